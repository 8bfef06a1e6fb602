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
from billing.reconciliation import reconciliation
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
