"""Against the live LucidLink simulator: collection with one call, and reconciliation
with the invoices the simulator computes from its own usage."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.models import UpstreamCharge, UsageReading
from billing.periods import Period
from billing.reconciliation import reconciliation
from billing.services import upstream_invoices_pull, usage_collect
from provisioning.models import Filespace
from tests.factories import FilespaceFactory

pytestmark = pytest.mark.django_db


def test_collection_and_reconciliation_against_the_simulator(portal_on_simulator):
    sim = portal_on_simulator
    ours = sim.create_filespace("media")
    sim.create_filespace("orphan")  # exists upstream, belongs to no customer of ours
    sim.set_filespace(
        ours["id"], status="provisioned", stats={"usedStorage": 5 * 10**9, "getDataSize": 77},
        users_count=3,
    )  # fmt: skip
    fs = FilespaceFactory(name="media", upstream_id=ours["id"], status=Filespace.Status.READY)
    gone = FilespaceFactory(name="gone", upstream_id="fs-not-there", status="ready")
    sim.reset_request_counts()

    first = usage_collect()
    again = usage_collect()

    counts = sim.request_counts()
    assert sum(n for op, n in counts.items() if op != "token") == 2, counts
    assert (first.stored, again.stored) == (1, 0)
    assert (first.missing, first.unknown) == (1, 1)
    reading = UsageReading.objects.get()
    assert (reading.filespace, reading.used_storage, reading.get_data_size) == (fs, 5 * 10**9, 77)
    assert reading.users_count == 3
    assert gone.pk != fs.pk

    # Move the simulator past the end of its month: it issues that month's invoice.
    now = datetime.fromtimestamp(sim.now(), UTC)
    next_month = Period.of(now.year, now.month).next()
    sim.advance_clock((next_month.start - now).total_seconds() + 3600)
    assert upstream_invoices_pull() >= 1
    charged = set(UpstreamCharge.objects.values_list("filespace_upstream_id", flat=True))
    assert ours["id"] in charged
    result = reconciliation(
        period=Period.of(now.year, now.month), fx_rate=Decimal(1), currency="EUR"
    )
    by_id = {row.upstream_id: row for row in result.rows}
    assert by_id[ours["id"]].customer_id == fs.customer_id
    assert by_id[ours["id"]].cost > 0  # 5 GB for part of a month at LucidLink's price
    assert [row.filespace for row in result.unbilled] == ["orphan"]
