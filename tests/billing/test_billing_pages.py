"""Customer billing pages and API: their own invoices only, billing roles only,
read-only API, streaming CSVs."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice
from billing.periods import Period
from billing.services import period_close
from tests.billing.factories import default_plan, filespace_existing, hourly, reading
from tests.factories import MembershipFactory

GB = 10**9
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def plan(db):
    return default_plan(name="Standard", included_egress_gb=Decimal(0))


@pytest.fixture
def billed(plan, owner):
    """The owner's customer with one filespace and an issued April invoice."""
    fs = filespace_existing(customer=owner.customer, name="media", created_at=APRIL)
    hourly(fs, APRIL, MAY + timedelta(days=9), used=100 * GB, read_per_hour=GB, users=2)
    period_close(period=Period.from_label("2026-04"), now=MAY)
    return Invoice.objects.get(customer=owner.customer)


def body(response):
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("admin", 200), ("billing", 200), ("member", 403)]
)
def test_only_owner_admin_and_billing_roles_see_billing(plan, login, role, status):
    client = login(MembershipFactory(role=role))
    assert client.get(reverse("billing_overview")).status_code == status
    assert client.get(reverse("billing-api-invoice-list")).status_code == status


def test_the_nav_link_shows_for_billing_roles_only(plan, login):
    assert b">Billing</a>" in login(MembershipFactory(role="billing")).get("/").content
    assert b">Billing</a>" not in login(MembershipFactory(role="member")).get("/").content


@time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False)
def test_overview_shows_the_month_so_far_and_past_invoices(billed, owner_client):
    page = owner_client.get(reverse("billing_overview")).content.decode()
    assert "media." in page
    # 1 May 00:00 to 10 May 00:00 of 100 GB (the last reading, 9 May 23:00, holds to noon):
    # 100 GB * 9.5 days / 31 days = 30.645161 GB-months
    assert "30.645161" in page
    assert billed.number in page


def test_invoice_page_shows_the_lines(billed, owner_client):
    page = owner_client.get(reverse("billing_invoice", args=[billed.pk])).content.decode()
    for line in billed.lines.all():
        assert line.description in page
    assert str(billed.total) in page


def test_another_customers_invoice_answers_404_everywhere(billed, login, plan):
    stranger = login(MembershipFactory(role="owner"))
    for name in ("billing_invoice", "billing_invoice_csv", "billing-api-invoice-detail"):
        assert stranger.get(reverse(name, args=[billed.pk])).status_code == 404
    assert stranger.get(reverse("billing-api-invoice-list")).json() == []


def test_drafts_are_not_shown_to_customers(plan, owner, owner_client):
    fs = filespace_existing(customer=owner.customer, created_at=APRIL)
    reading(fs, APRIL, used=GB)
    period_close(period=Period.from_label("2026-04"), now=MAY, issue=False)
    draft = Invoice.objects.get()
    assert owner_client.get(reverse("billing_invoice", args=[draft.pk])).status_code == 404


def test_the_api_is_read_only(billed, owner_client):
    detail = reverse("billing-api-invoice-detail", args=[billed.pk])
    data = owner_client.get(detail).json()
    assert data["number"] == billed.number and data["total"] == str(billed.total)
    assert len(data["lines"]) == billed.lines.count()
    assert owner_client.post(reverse("billing-api-invoice-list"), {}).status_code == 405
    for method in ("put", "patch", "delete"):
        response = getattr(owner_client, method)(detail, {}, content_type="application/json")
        assert response.status_code == 405
    assert Invoice.objects.get().total == billed.total


def test_invoice_csv_has_the_documented_columns_and_adds_up(billed, owner_client):
    response = owner_client.get(reverse("billing_invoice_csv", args=[billed.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert sum(Decimal(r["amount"]) for r in rows) == billed.total
    assert {r["invoice_number"] for r in rows} == {billed.number}
    assert rows[0]["period_start"] == "2026-04-01T00:00:00+00:00"


def test_usage_csv_is_the_customers_own_readings(billed, owner_client, plan):
    other = filespace_existing(created_at=APRIL, name="not-yours")
    reading(other, APRIL + timedelta(hours=3), used=5)
    response = owner_client.get(reverse("billing_usage_csv") + "?period=2026-04&bom=1")
    text = body(response)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 30 * 24
    assert {r["filespace"].split(".")[0] for r in rows} == {"media"}
    assert owner_client.get(reverse("billing_usage_csv") + "?period=nope").status_code == 404


def test_usage_chart_is_server_rendered_svg_for_own_filespaces_only(billed, owner, owner_client):
    fs = billed.lines.first().filespace
    with time_machine.travel(datetime(2026, 5, 10, tzinfo=UTC), tick=False):
        page = owner_client.get(reverse("billing_filespace_usage", args=[fs.pk])).content.decode()
    assert "<svg" in page and "<polyline" in page and "cdn" not in page.lower()
    other = filespace_existing(created_at=APRIL)
    assert owner_client.get(reverse("billing_filespace_usage", args=[other.pk])).status_code == 404


def test_overview_queries_do_not_grow_with_filespaces_or_invoices(plan, owner, owner_client):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            owner_client.get(reverse("billing_overview"))
        return len(ctx.captured_queries)

    with time_machine.travel(datetime(2026, 5, 10, tzinfo=UTC), tick=False):
        fs = filespace_existing(customer=owner.customer, created_at=APRIL)
        hourly(fs, APRIL, APRIL + timedelta(days=40), used=GB)
        period_close(period=Period.from_label("2026-04"), now=MAY)
        few = count()
        for n in range(5):
            more = filespace_existing(customer=owner.customer, created_at=APRIL, name=f"x{n}")
            hourly(more, APRIL, APRIL + timedelta(days=40), used=GB)
        many = count()
    assert many == few


def test_overview_survives_a_billing_setup_problem(plan, owner_client):
    from billing.models import PricePlan

    PricePlan.objects.update(is_default=False)  # staff left no default plan
    page = owner_client.get(reverse("billing_overview"))
    assert page.status_code == 200 and b"estimate is unavailable" in page.content


def test_egress_per_day_counts_each_increase_on_the_day_of_its_reading(settings, db):
    from billing.selectors import egress_per_day

    settings.BILLING_TIME_ZONE = "Europe/Amsterdam"
    fs = filespace_existing(created_at=APRIL)
    # 1 April 21:00 UTC is 23:00 in Amsterdam; 22:00 UTC is 2 April 00:00 there.
    for hour, read in ((20, 0), (21, 5), (22, 12), (23, 2)):  # the last one is a reset
        reading(fs, APRIL.replace(hour=hour), read=read)
    days = egress_per_day(filespace=fs, start=APRIL, end=MAY)
    assert [(d.day, n) for d, n in days] == [(1, 5), (2, 7 + 2)]
