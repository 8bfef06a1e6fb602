"""Against the live LucidLink simulator: collection with one call, and reconciliation
with the invoices the simulator computes from its own usage."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine

from billing.models import Invoice, UpstreamCharge, UsageReading
from billing.money import round_money
from billing.periods import Period
from billing.reconciliation import reconciliation
from billing.services import period_close, upstream_invoices_pull, usage_collect
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


def test_a_month_of_simulated_usage_makes_an_invoice_that_checks_by_hand(
    portal_on_simulator, settings
):
    """Collect every 6 hours for the rest of the simulator's month, close it, and check the
    invoice against the formulas of docs/billing.md, recomputed here from the raw readings;
    then compare our storage figure with what LucidLink billed for the same filespace."""
    sim = portal_on_simulator
    settings.BILLING_COLLECT_SECONDS = 6 * 3600
    sim.freeze_clock(True)
    start = datetime.fromtimestamp(sim.now(), UTC)
    period = Period.of(start.year, start.month)
    media = sim.create_filespace("media")
    sim.set_filespace(media["id"], status="provisioned")  # ready now: usage starts here
    fs = FilespaceFactory(name="media", upstream_id=media["id"], status=Filespace.Status.READY)
    Filespace.objects.filter(pk=fs.pk).update(created_at=start)
    step = 6 * 3600
    with time_machine.travel(start, tick=False) as traveller:
        moment = start
        while moment < period.end:
            traveller.move_to(moment)
            usage_collect()
            sim.advance_clock(step)
            moment += timedelta(seconds=step)
        traveller.move_to(period.end + timedelta(hours=1))
        closed = period_close(period=period)
    readings = list(UsageReading.objects.order_by("taken_at"))
    assert closed.created == 1
    invoice = Invoice.objects.get()
    lines = {line.dimension: line for line in invoice.lines.all()}
    readings = list(UsageReading.objects.order_by("taken_at"))
    assert len(readings) >= 4

    # Storage: each reading holds until the next, the last until the end of the period.
    ends = [r.taken_at for r in readings[1:]] + [period.end]
    byte_seconds = sum(
        Decimal(r.used_storage) * Decimal((end - r.taken_at).total_seconds())
        for r, end in zip(readings, ends, strict=True)
    )
    expected = byte_seconds / Decimal(10**9) / Decimal(period.length.total_seconds())
    assert lines["storage"].quantity == expected.quantize(Decimal("0.000001"), ROUND_HALF_UP)
    # Egress: increases of getDataSize from zero at creation.
    values = [0] + [r.get_data_size for r in readings]
    read = sum(b - a if b >= a else b for a, b in zip(values, values[1:], strict=False))
    assert lines["egress"].quantity == (Decimal(read) / 10**9).quantize(Decimal("0.000001"))
    # Users: the peak, for the share of the month the filespace existed.
    share = Decimal((period.end - start).total_seconds()) / Decimal(period.length.total_seconds())
    peak = max(r.users_count for r in readings)
    assert lines["users"].quantity == (peak * share).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    for line in invoice.lines.all():
        assert line.amount == round_money(line.quantity * line.unit_price)
    assert invoice.total == sum(line.amount for line in invoice.lines.all())

    # LucidLink integrates its own usage continuously; our 6-hourly readings agree closely.
    upstream_invoices_pull()
    theirs = UpstreamCharge.objects.get(
        filespace_upstream_id=media["id"], dimension="ManagedCapacity"
    )
    assert abs(theirs.usage - lines["storage"].quantity) <= theirs.usage * Decimal("0.05")
