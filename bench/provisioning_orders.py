"""Place N orders at once against the simulator, with a real worker process, and print:

- upstream API calls per filespace, by operation (the goal is close to one: the POST,
  with status rounds shared by every pending filespace);
- the delay between the simulator marking a filespace provisioned and the portal
  recording it ready (median and worst);
- the SQL statement count of the dashboard at 10 and at 500 filespaces.

Run: .venv/bin/python bench/provisioning_orders.py [--orders 200] [--delay 3]
Everything lives in a temporary directory (SQLite, filesystem broker, file cache).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--delay", type=float, default=3.0, help="simulator provisioning delay")
    parser.add_argument("--poll", type=float, default=1.0, help="PROVISIONING_POLL_SECONDS")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        run(Path(tmp), args)


def run(tmp: Path, args) -> None:
    from tests.fixtures.simulator import SimulatorProcess

    simulator = SimulatorProcess(tmp, provisioning_delay=args.delay)
    simulator.start()
    os.environ.update(
        {
            "VAR_DIR": str(tmp / "var"),
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "CACHE_URL": f"filecache://{tmp / 'cache'}",
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_QUEUE": "bench",
            "LUCIDLINK_API_URL": simulator.api_url,
            "LUCIDLINK_TOKEN_URL": simulator.token_url,
            "LUCIDLINK_CLIENT_ID": simulator.client_id,
            "LUCIDLINK_CLIENT_SECRET": simulator.client_secret,
            "LUCIDLINK_DOMAIN": simulator.domain,
            "PROVISIONING_POLL_SECONDS": str(args.poll),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from tests.fixtures.worker import WorkerProcess, portal_env

    worker = WorkerProcess(portal_env(simulator, LOG_LEVEL="WARNING"), tmp / "worker.log")
    worker.start()
    try:
        measure_orders(simulator, args)
        measure_dashboard()
    finally:
        worker.stop()
        simulator.stop()


def measure_orders(simulator, args) -> None:
    import requests

    from provisioning import services
    from provisioning.models import Filespace
    from tests.factories import MembershipFactory, storage_option

    owner = MembershipFactory()
    owner.customer.max_filespaces = args.orders + 10
    owner.customer.save()
    option = storage_option()
    requests.post(f"{simulator.base_url}/_sim/requests/reset", timeout=5)

    started = time.monotonic()
    for i in range(args.orders):
        services.filespace_order(
            customer=owner.customer,
            membership=owner,
            user=owner.user,
            name=f"bench-{i:04d}",
            storage_option=option,
        )
    placed = time.monotonic() - started

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        ready = Filespace.objects.filter(status=Filespace.Status.READY).count()
        if ready == args.orders:
            break
        time.sleep(0.5)
    total = time.monotonic() - started
    ready = Filespace.objects.filter(status=Filespace.Status.READY).count()

    counts = requests.get(f"{simulator.base_url}/_sim/requests", timeout=5).json()
    api_calls = {op: n for op, n in counts.items() if op != "token"}
    sim_ready = {
        fs["id"]: fs["_sim"]["readyAt"]
        for fs in requests.get(f"{simulator.base_url}/_sim/filespaces", timeout=5).json()
    }
    delays = [
        fs.provisioned_at.timestamp() - sim_ready[fs.upstream_id]
        for fs in Filespace.objects.filter(status=Filespace.Status.READY)
        if sim_ready.get(fs.upstream_id)
    ]

    print(f"orders placed:            {args.orders} in {placed:.1f}s")
    print(f"ready:                    {ready} after {total:.1f}s")
    print(f"upstream API calls:       {sum(api_calls.values())} ({format_counts(api_calls)})")
    print(f"  per filespace:          {sum(api_calls.values()) / args.orders:.2f}")
    print(f"  token requests:         {counts.get('token', 0)}")
    if delays:
        print(
            f"ready delay (simulator provisioned -> portal ready): "
            f"median {statistics.median(delays):.2f}s, worst {max(delays):.2f}s "
            f"(poll every {args.poll}s)"
        )


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))


def measure_dashboard() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.factories import FilespaceFactory, MembershipFactory

    for rows in (10, 500):
        member = MembershipFactory()
        FilespaceFactory.create_batch(rows, customer=member.customer, status="ready")
        client = Client()
        client.force_login(member.user)
        client.get(reverse("dashboard"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("dashboard"))
        assert response.status_code == 200
        print(f"dashboard SQL statements at {rows:>3} filespaces: {len(ctx.captured_queries)}")


if __name__ == "__main__":
    main()
