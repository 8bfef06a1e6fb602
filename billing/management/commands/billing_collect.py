"""Take one usage reading of every filespace now (what the periodic task does)."""

from django.core.management.base import BaseCommand

from billing import services


class Command(BaseCommand):
    help = "Read every filespace's usage from LucidLink (one GET /filespaces) and store it."

    def handle(self, *args, **options):
        result = services.usage_collect()
        self.stdout.write(
            f"window {result.window_start:%Y-%m-%d %H:%M} UTC: {result.upstream} upstream, "
            f"{result.stored} stored, {result.missing} missing upstream, "
            f"{result.unknown} unknown to us"
        )
