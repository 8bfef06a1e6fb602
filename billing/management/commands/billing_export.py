"""Stream a period's invoice lines or readings to a CSV file (or stdout), in constant memory.

manage.py billing_export lines 2026-03 -o lines.csv --bom
manage.py billing_export readings 2026-03 > readings.csv
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from billing import selectors
from billing.periods import Period
from portal.csv_export import csv_bytes


class Command(BaseCommand):
    help = "Export a period's invoice lines or raw usage readings as CSV (see docs/billing.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["lines", "readings"])
        parser.add_argument("period", help="YYYY-MM in the billing time zone")
        parser.add_argument("-o", "--output", default="-", help="file path, - for stdout")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")

    def handle(self, *args, kind, period, output, bom, **options):
        try:
            period = Period.from_label(period)
        except ValueError as err:
            raise CommandError(str(err)) from err
        if kind == "lines":
            header = selectors.INVOICE_LINE_COLUMNS
            rows = selectors.invoice_line_rows(period=period)
        else:
            header = selectors.READING_COLUMNS
            rows = selectors.reading_rows(period=period)
        out = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
        try:
            for block in csv_bytes(header, rows, bom=bom):
                out.write(block)
        finally:
            if output != "-":
                out.close()
            else:
                out.flush()
