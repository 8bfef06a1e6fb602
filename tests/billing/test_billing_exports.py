"""Staff exports: stable columns, streamed, formula-safe text, numbers left as numbers."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from billing.periods import Period
from billing.selectors import INVOICE_LINE_COLUMNS, READING_COLUMNS
from billing.services import period_close
from portal.csv_export import csv_bytes, neutralise
from tenants.models import AuditEntry
from tests.billing.factories import PricePlanFactory, default_plan, filespace_existing, hourly
from tests.factories import CustomerFactory, UserFactory

GB = 10**9
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+31 20 123", "'+31 20 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme = good", "Acme = good"),
        ("", ""),
        (None, ""),
        (Decimal("-1.50"), Decimal("-1.50")),
        (-3, -3),
        (True, "true"),
    ],
)
def test_neutralise_quotes_formula_text_and_leaves_numbers(cell, written):
    assert neutralise(cell) == written


def test_csv_bytes_writes_numbers_bare_and_text_neutralised():
    data = b"".join(csv_bytes(["name", "amount"], [["=cmd()", Decimal("-1.50")]], bom=True))
    text = data.decode("utf-8")
    assert text.startswith("\ufeffname,amount\r\n")
    assert text.endswith("'=cmd(),-1.50\r\n")


def test_csv_bytes_streams_in_blocks():
    rows = ([n, "x" * 100] for n in range(5000))
    blocks = list(csv_bytes(["n", "x"], rows))
    assert len(blocks) > 5 and all(len(b) < 70 * 1024 for b in blocks)


@pytest.fixture
def closed_april(db):
    default_plan(name="Standard")
    customer = CustomerFactory(name="=Evil Corp")
    fs = filespace_existing(customer=customer, name="media", created_at=APRIL)
    hourly(fs, APRIL, MAY, used=100 * GB, read_per_hour=GB, users=2)
    period_close(period=Period.from_label("2026-04"), now=MAY)
    return customer


def test_export_command_writes_every_line_of_the_period(closed_april, tmp_path):
    out = tmp_path / "lines.csv"
    call_command("billing_export", "lines", "2026-04", "-o", str(out), "--bom")
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == INVOICE_LINE_COLUMNS
    assert {r[5] for r in rows[1:]} == {"'=Evil Corp"}
    assert len(rows) - 1 == 4  # storage, egress, users, tax
    assert Decimal(rows[1][12]) > 0


def test_export_command_writes_the_raw_readings(closed_april, tmp_path):
    out = tmp_path / "readings.csv"
    call_command("billing_export", "readings", "2026-04", "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert tuple(rows[0]) == READING_COLUMNS
    assert len(rows) - 1 == 30 * 24
    assert rows[1][7] == str(100 * GB)


def test_staff_export_and_reconciliation_pages_stream_csv(closed_april, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:billing_invoice_export") + "?period=2026-04&kind=lines&bom=on"
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())
    page = client.get(reverse("admin:billing_invoice_changelist"))
    assert page.status_code == 200
    invoice_id = closed_april.invoices.get().pk
    change = client.get(reverse("admin:billing_invoice_change", args=[invoice_id]))
    assert change.status_code == 200 and b"Make a credit note" in change.content


def test_admin_cannot_change_an_issued_invoice(closed_april, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    invoice = closed_april.invoices.get()
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    client.post(url, {"total": "0.01"})
    invoice.refresh_from_db()
    assert invoice.total != Decimal("0.01")
    assert (
        client.post(reverse("admin:billing_invoice_delete", args=[invoice.pk])).status_code == 403
    )


def test_admin_credit_note_flow(closed_april, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    invoice = closed_april.invoices.get()
    response = client.post(
        reverse("admin:billing_invoice_credit", args=[invoice.pk]),
        {"reason": "Goodwill", "net_amount": "1.00"},
    )
    assert response.status_code == 302
    note = invoice.credit_notes.get()
    assert note.total == Decimal("-1.21")
    client.post(reverse("admin:billing_invoice_issue", args=[note.pk]))
    note.refresh_from_db()
    assert note.number == "CN-000001"


def test_admin_close_period_page_closes_once(db, client):
    default_plan(name="Standard")
    fs = filespace_existing(created_at=APRIL)
    hourly(fs, APRIL, APRIL + timedelta(days=2), used=GB)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for _ in range(2):
        client.post(reverse("admin:billing_invoice_close"), {"period": "2026-04"})
    assert fs.customer.invoices.count() == 1


def test_admin_plan_assignment_goes_through_the_service_and_its_rules(db, client):
    default_plan(name="Standard")
    usd = PricePlanFactory(name="US", currency="USD")
    customer = CustomerFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:billing_customerpriceplan_add")
    refused = client.post(
        url, {"customer": customer.pk, "plan": usd.pk, "valid_from_0": "2026-04-10",
              "valid_from_1": "00:00:00"},
    )  # fmt: skip
    assert refused.status_code == 200 and b"another currency" in refused.content
    accepted = client.post(
        url, {"customer": customer.pk, "plan": usd.pk, "valid_from_0": "2026-05-01",
              "valid_from_1": "00:00:00"},
    )  # fmt: skip
    assert accepted.status_code == 302
    assert customer.price_plans.get().plan == usd
    assert AuditEntry.objects.filter(action="billing.plan_assigned").count() == 1
