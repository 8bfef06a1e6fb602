"""Billing: payment details, the running period, invoices per closed month and their CSV."""

import csv
import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests

GB = 10**9
PRICE_GB_MONTH = Decimal("2.0")  # the simulator's default wholesale prices, in cents
PRICE_USER_MONTH = Decimal("500")


def month_bounds(ts):
    d = datetime.fromtimestamp(ts, UTC)
    start = datetime(d.year, d.month, 1, tzinfo=UTC)
    end = datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC)
    return start.timestamp(), end.timestamp()


def cents(value):
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture
def pinned(simulator):
    """A frozen clock and one filespace holding 100 GB and 3 users since the frozen now."""
    now = simulator.freeze_clock()
    if month_bounds(now)[1] - now < 3 * 3600:
        pytest.skip("too close to the end of a UTC month: the account would span two")
    fs = simulator.create_filespace("billed")
    simulator.set_filespace(
        fs["id"], status="provisioned", stats={"usedStorage": 100 * GB}, users_count=3
    )
    return fs, simulator.now()


def test_payment_details_default_and_update(simulator):
    api = simulator.api()
    assert api.get("/billing/payment").json()["card"]["numberLast4"] == "4242"

    saved = api.patch(
        "/billing/payment",
        json={
            "description": "Finance card",
            "paymentSourceToken": "tok_visa_1234",
            "card": {"numberLast4": "1234", "expiryMonth": 6, "expiryYear": 2099},
        },
    )

    assert saved.status_code == 200
    assert saved.content == b""
    shown = api.get("/billing/payment").json()
    assert shown == {
        "description": "Finance card",
        "card": {"numberLast4": "1234", "expiryMonth": 6, "expiryYear": 2099},
    }  # the payment source token is write-only


def test_payment_details_patch_changes_only_the_fields_given(simulator):
    api = simulator.api()
    api.patch("/billing/payment", json={"description": "Only the words"})

    shown = api.get("/billing/payment").json()

    assert shown["description"] == "Only the words"
    assert shown["card"]["numberLast4"] == "4242"


@pytest.mark.parametrize(
    "data",
    [
        {"card": {"numberLast4": "12a4", "expiryMonth": 1, "expiryYear": 2099}},
        {"card": {"numberLast4": "1234", "expiryMonth": 13, "expiryYear": 2099}},
        {"card": {"numberLast4": "1234", "expiryMonth": 1, "expiryYear": 2001}},
        {"card": {"numberLast4": "1234"}},
        {"card": "visa"},
        {"description": 5},
        {"paymentSourceToken": ""},
        ["not", "an", "object"],
    ],
)
def test_payment_details_refuse_invalid_input(simulator, data):
    response = simulator.api().patch("/billing/payment", json=data)

    assert response.status_code == 400


def test_current_period_is_the_running_utc_month_and_adds_up(simulator, pinned):
    fs, frozen_now = pinned
    simulator.advance_clock(3600)

    period = simulator.api().get("/billing/current-period").json()

    start, end = month_bounds(frozen_now + 3600)
    assert (period["start"], period["end"]) == (start * 1000, end * 1000)
    assert period["currency"] == "usd"
    assert period["subscriptionStatus"] == "active"
    [item] = period["filespaceBreakdown"]
    assert item["filespace"] == fs["id"]
    usage = {u["dimension"]: u["usage"] for u in item["usageByDimension"]}
    hour_share = Decimal(3600) / Decimal(end - start)
    assert Decimal(repr(usage["ManagedCapacity"])) == (100 * hour_share).quantize(Decimal("1e-6"))
    assert period["amountDue"] == sum(i["amountDue"] for i in period["filespaceBreakdown"])
    assert period["amountDueForecast"] >= period["amountDue"]
    remaining_share = Decimal(end - frozen_now) / Decimal(end - start)
    assert item["amountDueForecast"] == cents(
        100 * remaining_share.quantize(Decimal("1e-6")) * PRICE_GB_MONTH
    ) + cents(3 * remaining_share.quantize(Decimal("1e-6")) * PRICE_USER_MONTH)


def test_no_invoices_before_the_first_month_closes(simulator, pinned):
    assert simulator.api().get("/billing/invoices").json() == []


def test_closed_month_gives_one_invoice_priced_from_usage(simulator, pinned):
    fs, frozen_now = pinned
    start, end = month_bounds(frozen_now)
    simulator.advance_clock(end - frozen_now + 3600)

    [invoice] = simulator.api().get("/billing/invoices").json()

    share = (Decimal(end - frozen_now) / Decimal(end - start)).quantize(Decimal("1e-6"))
    gb_months = (100 * Decimal(end - frozen_now) / Decimal(end - start)).quantize(Decimal("1e-6"))
    user_months = (3 * Decimal(end - frozen_now) / Decimal(end - start)).quantize(Decimal("1e-6"))
    expected = cents(gb_months * PRICE_GB_MONTH) + cents(user_months * PRICE_USER_MONTH)
    assert share > 0
    assert invoice["amountDue"] == expected
    assert (invoice["periodStart"], invoice["periodEnd"]) == (start * 1000, end * 1000)
    assert invoice["date"] == end * 1000
    assert invoice["paymentStatus"] == "not_paid"
    assert invoice["currency"] == "usd"
    [item] = invoice["filespaceBreakdown"]
    assert item["filespace"] == fs["id"]
    assert item["amountDue"] == expected
    assert item["isDeleted"] is False
    assert (item["storageOwner"], item["storageProvider"]) == ("lucidlink", "Wasabi")
    usage = {u["dimension"]: Decimal(repr(u["usage"])) for u in item["usageByDimension"]}
    assert usage == {"ManagedCapacity": gb_months, "FilespaceUsers": user_months}
    assert any(str(gb_months) in line for line in invoice["lineDescriptions"])


def test_invoice_csv_breaks_the_amount_down_per_filespace_and_dimension(simulator, pinned):
    _, frozen_now = pinned
    second = simulator.create_filespace("second")
    simulator.set_filespace(second["id"], status="provisioned", stats={"usedStorage": 7 * GB})
    simulator.advance_clock(month_bounds(frozen_now)[1] - frozen_now + 60)
    api = simulator.api()
    [invoice] = api.get("/billing/invoices").json()

    response = api.get(f"/billing/invoices/{invoice['id']}/breakdown/csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {(r["name"], r["dimension"]) for r in rows} == {
        ("billed", "ManagedCapacity"),
        ("billed", "FilespaceUsers"),
        ("second", "ManagedCapacity"),
        ("second", "FilespaceUsers"),
    }
    assert sum(int(r["amount_due_cents"]) for r in rows) == invoice["amountDue"]
    for item in invoice["filespaceBreakdown"]:
        mine = [r for r in rows if r["filespace_id"] == item["filespace"]]
        assert sum(int(r["amount_due_cents"]) for r in mine) == item["amountDue"]
        assert {r["is_deleted"] for r in mine} == {"false"}


def test_invoice_csv_of_unknown_invoice_is_404(simulator):
    response = simulator.api().get("/billing/invoices/in_nope/breakdown/csv")

    assert response.status_code == 404


def test_invoices_are_one_per_closed_month_newest_first_with_stable_ids(simulator, pinned):
    simulator.advance_clock(75 * 86400)
    api = simulator.api()

    invoices = api.get("/billing/invoices").json()

    assert len(invoices) in (2, 3)
    starts = [inv["periodStart"] for inv in invoices]
    assert starts == sorted(starts, reverse=True)
    for newer, older in zip(invoices, invoices[1:], strict=False):
        assert older["periodEnd"] == newer["periodStart"]
    for invoice in invoices:
        assert invoice["amountDue"] == sum(i["amountDue"] for i in invoice["filespaceBreakdown"])
    assert invoices[-1]["paymentStatus"] == "paid"  # old enough, card on file
    simulator.restart()
    assert [inv["id"] for inv in simulator.api().get("/billing/invoices").json()] == [
        inv["id"] for inv in invoices
    ]


def test_deleted_filespaces_are_still_billed_and_flagged(simulator, pinned):
    fs, frozen_now = pinned
    simulator.advance_clock(3600)
    assert simulator.api().delete(f"/filespaces/{fs['id']}").status_code == 204
    simulator.advance_clock(3600)

    [item] = simulator.api().get("/billing/current-period").json()["filespaceBreakdown"]

    assert item["isDeleted"] is True
    assert item["amountDueForecast"] == item["amountDue"]
    usage = {u["dimension"]: u["usage"] for u in item["usageByDimension"]}
    start, end = month_bounds(frozen_now)
    assert Decimal(repr(usage["ManagedCapacity"])) == (
        100 * Decimal(3600) / Decimal(end - start)
    ).quantize(Decimal("1e-6"))


def test_generated_usage_is_billed_when_nothing_is_pinned(simulator):
    simulator.freeze_clock()
    fs = simulator.create_filespace("organic")
    simulator.set_filespace(fs["id"], status="provisioned")
    simulator.advance_clock(2 * 86400)

    [item] = simulator.api().get("/billing/current-period").json()["filespaceBreakdown"]

    usage = {u["dimension"]: u["usage"] for u in item["usageByDimension"]}
    assert usage["ManagedCapacity"] > 0
    assert usage["FilespaceUsers"] > 0


def test_enterprise_filespaces_are_billed_as_advanced(simulator):
    simulator.freeze_clock()
    simulator.create_filespace(
        "big-corp", {"provider": "IBM", "region": "eu-gb"}, subscriptionType="enterprise"
    )

    [item] = simulator.api().get("/billing/current-period").json()["filespaceBreakdown"]

    assert item["subscriptionType"] == "advanced"
    assert item["storageProvider"] == "IBM"


def test_invoice_pdf_url_leads_to_a_pdf(simulator, pinned):
    _, frozen_now = pinned
    simulator.advance_clock(month_bounds(frozen_now)[1] - frozen_now + 60)
    [invoice] = simulator.api().get("/billing/invoices").json()

    pdf = requests.get(invoice["pdfUrl"], timeout=10)

    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
