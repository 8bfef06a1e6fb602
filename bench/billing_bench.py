"""Billing at scale: 10,000 filespaces with a month of hourly readings. Prints

- one collection round over every filespace: time, SQL statements, upstream API calls
  (the API is faked at the HTTP boundary with `responses`: one GET /filespaces whose JSON
  holds every filespace, parsed by the real client);
- closing the month: time, invoices made and issued;
- a 1,000,000-row CSV export of readings: rows per second, and peak Python memory
  (tracemalloc, in a second pass) to show the export streams in constant memory.

Run: .venv/bin/python bench/billing_bench.py [--filespaces 10000] [--per-customer 10]
Everything lives in a temporary directory (SQLite) unless --database-url is given.
"""

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH_START = datetime(2026, 4, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 5, 1, tzinfo=UTC)
API = "https://api.lucidlink.bench/api/v1"
TOKEN = "https://auth.lucidlink.bench/oauth2/token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filespaces", type=int, default=10_000)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-billing-") as tmp:
        os.environ.update(
            {
                "VAR_DIR": str(Path(tmp) / "var"),
                "DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "CACHE_URL": "locmemcache://",
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": "bench-only",
                "BILLING_TIME_ZONE": "UTC",
                "BILLING_COLLECT_SECONDS": "3600",
                "LUCIDLINK_API_URL": API,
                "LUCIDLINK_TOKEN_URL": TOKEN,
                "LUCIDLINK_CLIENT_ID": "bench",
                "LUCIDLINK_CLIENT_SECRET": "bench-secret",
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        run(args)


def seed(n_filespaces: int, per_customer: int) -> list[tuple[int, str]]:
    from django.db import connection, transaction

    from billing.models import UsageReading
    from provisioning.models import Filespace, StorageOption
    from tenants.models import Customer

    option = StorageOption.objects.order_by("pk").first()
    customers = Customer.objects.bulk_create(
        Customer(name=f"Bench customer {n:05d}") for n in range(-(-n_filespaces // per_customer))
    )
    Filespace.objects.bulk_create(
        (
            Filespace(
                customer=customers[n // per_customer], name=f"bench-{n:05d}",
                domain_name="bench", storage_option=option, upstream_id=f"up-{n:05d}",
                status=Filespace.Status.READY,
            )
            for n in range(n_filespaces)
        ),
        batch_size=2000,
    )  # fmt: skip
    Filespace.objects.update(created_at=MONTH_START - timedelta(days=1))
    filespaces = list(Filespace.objects.order_by("pk").values_list("pk", "upstream_id"))

    fields = [f for f in UsageReading._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        ops.quote_name(UsageReading._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    hours = int((MONTH_END - MONTH_START).total_seconds() // 3600)
    stamps = [ops.adapt_datetimefield_value(MONTH_START + timedelta(hours=h)) for h in range(hours)]
    started = time.perf_counter()
    for first in range(0, len(filespaces), 100):
        batch = filespaces[first : first + 100]
        rows = []
        for pk, _ in batch:
            used, read = (pk % 997) * 10**9, 0
            for h, stamp in enumerate(stamps):
                read += (pk % 13) * 10**8
                rows.append(
                    (pk, stamp, stamp, used + h * 10**6, used, read, 0, 0, 0, 0, 0,
                     1 + pk % 5, "provisioned")
                )  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    elapsed = time.perf_counter() - started
    count = len(filespaces) * hours
    print(f"seeded {len(filespaces):,} filespaces, {count:,} readings in {elapsed:.1f} s")
    return filespaces


def upstream_json(filespaces) -> str:
    return json.dumps(
        [
            {
                "id": upstream_id, "domain": "dom", "name": f"bench-{n:05d}",
                "status": "provisioned", "subscriptionType": "basic", "usersCount": 3,
                "storage": {"owner": "lucidlink", "provider": "Wasabi", "region": "eu"},
                "stats": {
                    "usedStorage": 10**12, "filespaceSize": 9 * 10**11,
                    "getDataSize": 10**10, "putDataSize": 10**10, "getRequestCount": 1000,
                    "putRequestCount": 1000, "listRequestCount": 10, "deleteRequestCount": 1,
                },
            }
            for n, (_, upstream_id) in enumerate(filespaces)
        ]
    )  # fmt: skip


def run(args) -> None:
    import responses
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing import selectors, services
    from billing.periods import Period
    from portal.csv_export import csv_bytes

    call_command("migrate", verbosity=0)
    filespaces = seed(args.filespaces, args.per_customer)

    # --- one collection round ------------------------------------------------------------
    body = upstream_json(filespaces)
    with responses.RequestsMock() as rsps:
        rsps.post(TOKEN, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        rsps.get(f"{API}/filespaces", body=body, content_type="application/json")
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = services.usage_collect(now=MONTH_END + timedelta(minutes=3))
            elapsed = time.perf_counter() - started
        api_calls = [c.request.method + " " + c.request.url.split("?")[0] for c in rsps.calls]
    print(
        f"collection round: {len(filespaces):,} filespaces in {elapsed:.2f} s, "
        f"{len(queries.captured_queries)} SQL statements, {len(api_calls)} upstream calls "
        f"({', '.join(api_calls)}); stored {result.stored:,}"
    )

    # --- closing the month --------------------------------------------------------------
    period = Period.from_label("2026-04")
    started = time.perf_counter()
    closed = services.period_close(period=period, now=MONTH_END + timedelta(hours=1))
    elapsed = time.perf_counter() - started
    print(
        f"closing {period}: {closed.created:,} invoices made and {closed.issued:,} issued "
        f"in {elapsed:.1f} s ({elapsed / max(closed.created, 1) * 1000:.1f} ms per invoice)"
    )
    started = time.perf_counter()
    again = services.period_close(period=period, now=MONTH_END + timedelta(hours=2))
    print(f"closing it again: {again.created} made in {time.perf_counter() - started:.2f} s")

    # --- a 1,000,000-row CSV export -----------------------------------------------------
    def export() -> tuple[int, int]:
        rows = itertools.islice(selectors.reading_rows(period=period), args.export_rows)
        size = 0
        for block in csv_bytes(selectors.READING_COLUMNS, rows, bom=True):
            size += len(block)
        return args.export_rows, size

    started = time.perf_counter()
    count, size = export()
    elapsed = time.perf_counter() - started
    print(
        f"CSV export: {count:,} rows, {size / 1e6:.0f} MB in {elapsed:.1f} s "
        f"= {count / elapsed:,.0f} rows/s"
    )
    tracemalloc.start()
    export()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"CSV export peak Python memory (tracemalloc, second pass): {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
