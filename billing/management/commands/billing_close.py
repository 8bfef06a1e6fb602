"""Close billing periods: one (``--period 2026-03``) or every one that is due."""

from django.core.management.base import BaseCommand, CommandError

from billing import services
from billing.charges import BillingError
from billing.periods import Period


class Command(BaseCommand):
    help = "Make (and, unless BILLING_AUTO_ISSUE is false, issue) the invoices of ended periods."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM; default: every ended period not closed")
        parser.add_argument("--draft", action="store_true", help="leave the invoices as drafts")

    def handle(self, *args, period=None, draft=False, **options):
        try:
            if period:
                results = [
                    services.period_close(
                        period=Period.from_label(period), issue=False if draft else None
                    )
                ]
            else:
                results = services.period_close_due()
        except (ValueError, BillingError) as err:
            raise CommandError(str(err)) from err
        for result in results:
            self.stdout.write(
                f"{result.period}: {result.created} invoices made, {result.issued} issued, "
                f"{result.skipped} customers with nothing to bill, {result.failed} failed "
                "(see the log)"
            )
        if not results:
            self.stdout.write("No period to close.")
