"""Reconciliation: what we billed, what LucidLink billed us, the margin, and what LucidLink
bills for filespaces no customer pays for."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import UpstreamCharge, UpstreamInvoice
from billing.periods import Period
from billing.reconciliation import COLUMNS, reconciliation
from billing.services import period_close, upstream_invoices_pull
from tests.billing.conftest import API, calls
from tests.billing.factories import default_plan, filespace_existing, hourly
from tests.factories import UserFactory

GB = 10**9
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)
MS_APRIL, MS_MAY = int(APRIL.timestamp() * 1000), int(MAY.timestamp() * 1000)

BREAKDOWN = (
    "invoice_id,period_start,period_end,filespace_id,name,dimension,usage,unit,"
    "unit_price_cents,amount_due_cents,is_deleted\n"
    "in_1,2026-04-01,2026-05-01,up-1,media,ManagedCapacity,100.000000,GB-month,2.0,200,false\n"
    "in_1,2026-04-01,2026-05-01,up-1,media,FilespaceUsers,2.000000,user-month,500,1000,false\n"
    "in_1,2026-04-01,2026-05-01,up-x,orphan,ManagedCapacity,50.000000,GB-month,2.0,100,true\n"
    "in_1,2026-04-01,2026-05-01,up-x,orphan,FilespaceUsers,0.000000,user-month,500,0,true\n"
)


def upstream_invoice(status="not_paid"):
    return {
        "id": "in_1", "date": MS_MAY, "lineDescriptions": ["capacity", "users"],
        "amountDue": 1300, "currency": "usd", "periodStart": MS_APRIL, "periodEnd": MS_MAY,
        "paymentStatus": status, "pdfUrl": "https://x/in_1.pdf",
    }  # fmt: skip


@pytest.fixture
def upstream(api):
    api.get(f"{API}/billing/invoices", json=[upstream_invoice()])
    api.get(f"{API}/billing/invoices/in_1/breakdown/csv", body=BREAKDOWN, content_type="text/csv")
    return api


@pytest.fixture
def billed_april(db):
    default_plan(name="Standard", included_egress_gb=Decimal(0), monthly_minimum=Decimal(0))
    fs = filespace_existing(name="media", created_at=APRIL, upstream_id="up-1")
    hourly(fs, APRIL, MAY, used=100 * GB, users=2)  # 100 GB-months * 0.03 + 2 * 7.50 = 18.00
    period_close(period=Period.from_label("2026-04"), now=MAY)
    return fs


def test_pulling_stores_invoices_and_breakdowns_once(upstream, db):
    assert upstream_invoices_pull() == 1
    assert upstream_invoices_pull() == 0
    assert UpstreamInvoice.objects.count() == 1 and UpstreamCharge.objects.count() == 4
    assert len(calls(upstream, "GET", "/billing/invoices/in_1/breakdown/csv")) == 1
    invoice = UpstreamInvoice.objects.get()
    assert invoice.currency == "USD" and invoice.amount_due_cents == 1300


def test_reconciliation_shows_billed_cost_margin_and_orphans(upstream, billed_april):
    upstream_invoices_pull()
    result = reconciliation(
        period=Period.from_label("2026-04"), fx_rate=Decimal("0.90"), currency="EUR"
    )
    rows = {r.filespace.split(".")[0]: r for r in result.rows}
    media = rows["media"]
    assert media.billed == Decimal("18.00")
    assert media.upstream_cents == Decimal("1200")
    assert media.cost == Decimal("10.80")  # 12.00 USD * 0.90
    assert media.margin == Decimal("7.20")
    orphan = rows["orphan"]
    assert orphan.customer_id is None and orphan.cost == Decimal("0.90")
    assert orphan.margin == Decimal("-0.90")
    assert [r.upstream_id for r in result.unbilled] == ["up-x"]
    assert result.margin == Decimal("6.30")


def test_reconciliation_page_and_csv(upstream, billed_april, client):
    upstream_invoices_pull()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:billing_reconciliation")
    page = client.get(url, {"period": "2026-04", "fx_rate": "1"})
    assert page.status_code == 200 and b"no customer" in page.content
    response = client.get(url, {"period": "2026-04", "fx_rate": "1", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["upstream_id"] for r in rows} == {"up-1", "up-x"}
    assert sum(Decimal(r["margin"]) for r in rows) == Decimal("18.00") - Decimal("13.00")


def issued_lines(filespace, amounts, *, issue=True):
    """An invoice for April with one usage line per amount, all for ``filespace``."""
    from billing.models import Invoice, InvoiceLine
    from billing.services import invoice_issue

    total = sum(amounts, Decimal("0.00"))
    invoice = Invoice.objects.create(
        customer=filespace.customer, period_start=APRIL, period_end=MAY, currency="EUR",
        tax_rate=Decimal("0"), subtotal=total, tax=Decimal("0.00"), total=total,
    )  # fmt: skip
    dimensions = [InvoiceLine.Dimension.STORAGE, InvoiceLine.Dimension.EGRESS]
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice, position=i, filespace=filespace, filespace_name=filespace.name,
            dimension=dimensions[i % 2], description="usage", quantity=Decimal(1), unit="GB",
            unit_price=amount, amount=amount, starts_at=APRIL, ends_at=MAY,
        )
        for i, amount in enumerate(amounts, start=1)
    )  # fmt: skip
    if issue:
        invoice_issue(invoice_id=invoice.pk)
    return invoice


def test_reconciliation_counts_issued_invoices_only_not_drafts(billed_april):
    other = filespace_existing(name="drafty", created_at=APRIL, upstream_id="up-2")
    issued_lines(other, [Decimal("5.00")], issue=False)

    result = reconciliation(period=Period.from_label("2026-04"), fx_rate=Decimal(1), currency="EUR")

    assert [r.upstream_id for r in result.rows] == ["up-1"]
    assert result.billed == Decimal("18.00")


def test_reconciliation_csv_writes_money_to_the_cent(upstream, db):
    upstream_invoices_pull()
    media = filespace_existing(name="media", created_at=APRIL, upstream_id="up-1")
    # 1.10 + 2.20 + 4.33 is 7.630000000000001 in floating point (SQLite's SUM).
    issued_lines(media, [Decimal("1.10"), Decimal("2.20"), Decimal("4.33")])

    result = reconciliation(period=Period.from_label("2026-04"), fx_rate=Decimal(1), currency="EUR")
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in result.csv_rows()]

    media_row = next(r for r in rows if r["upstream_id"] == "up-1")
    assert str(media_row["billed"]) == "7.63"
    assert str(media_row["upstream_cost"]) == "12.00"
    for row in rows:
        for column in ("billed", "upstream_cost", "upstream_cost_converted", "margin"):
            assert str(row[column]).count(".") == 1
            assert len(str(row[column]).split(".")[1]) == 2, (column, row[column])
