"""Closing a period: invoices a person can check by hand (docs/billing.md, worked
example), made once, numbered without gaps, immutable once issued, corrected by credit
notes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing.charges import BillingError
from billing.models import Invoice, InvoiceImmutable, InvoiceLine, PeriodClose
from billing.periods import Period
from billing.services import (
    credit_note_create,
    customer_plan_assign,
    invoice_issue,
    period_close,
    period_close_due,
)
from provisioning.models import Filespace
from tests.billing.factories import (
    PricePlanFactory,
    assign,
    default_plan,
    filespace_existing,
    hourly,
    reading,
)
from tests.factories import CustomerFactory

GB = 10**9
D = timedelta(days=1)
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def standard(db):
    return default_plan(
        name="Standard",
        price_per_gb_month=Decimal("0.030000"),
        price_per_egress_gb=Decimal("0.010000"),
        included_egress_gb=Decimal("100"),
        price_per_user_month=Decimal("7.500000"),
        monthly_minimum=Decimal("10.00"),
        tax_rate=Decimal("0.2100"),
    )


@pytest.fixture
def worked_example(standard):
    """The worked example of docs/billing.md, April 2026 (30 days), billing zone UTC."""
    acme = CustomerFactory(name="Acme Post")
    projects = filespace_existing(customer=acme, name="projects", created_at=APRIL - 12 * D)
    # Hourly from 20 March: 1000 GB until 11 April 00:00, then 2000 GB; 1 GB read per hour;
    # 3 users, 4 from 20 April.
    hourly(projects, APRIL - 12 * D, APRIL, used=1000 * GB, read_per_hour=GB, users=3)
    t, read = APRIL, 12 * 24 * GB
    rows = []
    while t < MAY:
        used = 1000 * GB if t < APRIL + 10 * D else 2000 * GB
        users = 3 if t < APRIL + 19 * D else 4
        rows.append((t, used, read, users))
        t, read = t + timedelta(hours=1), read + GB
    from billing.models import UsageReading

    UsageReading.objects.bulk_create(
        UsageReading(
            filespace=projects, window_start=t, taken_at=t, used_storage=u, filespace_size=u,
            get_data_size=r, put_data_size=0, get_request_count=0, put_request_count=0,
            list_request_count=0, delete_request_count=0, users_count=n,
        )
        for t, u, r, n in rows
    )  # fmt: skip
    # Created 15 April 00:00, deleted 20 April 00:00: 300 GB, 3 users, 2 GB read per hour.
    scratch = filespace_existing(
        customer=acme, name="scratch", created_at=APRIL + 14 * D, deleted_at=APRIL + 19 * D
    )
    hourly(scratch, APRIL + 14 * D, APRIL + 19 * D, used=300 * GB, read_per_hour=2 * GB, users=3)
    return acme


def lines_of(invoice):
    return [
        (
            line.dimension,
            line.filespace_name,
            line.quantity,
            line.unit,
            line.unit_price,
            line.amount,
        )
        for line in invoice.lines.order_by("position")
    ]


def test_the_worked_example_adds_up_by_hand(worked_example):
    result = period_close(period=Period.from_label("2026-04"), now=MAY + timedelta(minutes=10))
    assert (result.created, result.issued) == (1, 1)
    invoice = Invoice.objects.get(customer=worked_example)
    dom = invoice.lines.first().filespace_name.split(".", 1)[1]
    p, s = f"projects.{dom}", f"scratch.{dom}"
    d = Decimal
    assert lines_of(invoice) == [
        # (1000 GB * 10 d + 2000 GB * 20 d) / 30 d = 1666.666667 GB-months; * 0.03 = 50.00
        ("storage", p, d("1666.666667"), "GB-month", d("0.030000"), d("50.00")),
        # 720 hourly increases of 1 GB in April (the one seen at 1 April 00:00 included)
        ("egress", p, d("720.000000"), "GB", d("0.010000"), d("7.20")),
        # peak 4 users over the whole month
        ("users", p, d("4.000000"), "user-month", d("7.500000"), d("30.00")),
        # 300 GB for 5 of 30 days = 50 GB-months; * 0.03 = 1.50
        ("storage", s, d("50.000000"), "GB-month", d("0.030000"), d("1.50")),
        # readings 15th 00:00 .. 19th 23:00: 119 increases of 2 GB = 238 GB
        ("egress", s, d("238.000000"), "GB", d("0.010000"), d("2.38")),
        # 3 users for 5 of 30 days = 0.5 user-months; * 7.50 = 3.75
        ("users", s, d("0.500000"), "user-month", d("7.500000"), d("3.75")),
        # 100 GB included out of 958 GB
        ("egress_allowance", "", d("-100.000000"), "GB", d("0.010000"), d("-1.00")),
        # net 93.83 is above the minimum of 10.00; tax 21% of 93.83 = 19.7043 -> 19.70
        ("tax", "", d("93.830000"), "EUR", d("0.2100"), d("19.70")),
    ]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (d("93.83"), d("19.70"), d("113.53"))
    assert invoice.total == sum(line.amount for line in invoice.lines.all())
    assert invoice.number == "INV-000001" and invoice.is_issued
    assert (invoice.period_start, invoice.period_end) == (APRIL, MAY)


def test_closing_a_period_again_creates_nothing(worked_example):
    april = Period.from_label("2026-04")
    period_close(period=april, now=MAY)
    snapshot = list(InvoiceLine.objects.values_list("pk", "amount"))
    again = period_close(period=april, now=MAY + D)
    assert (again.created, again.issued) == (0, 0)
    assert Invoice.objects.count() == 1 and PeriodClose.objects.count() == 1
    assert list(InvoiceLine.objects.values_list("pk", "amount")) == snapshot
    # The due-close only adds March (readings began on 20 March), and only once.
    assert [r.period.label for r in period_close_due(now=MAY + D)] == ["2026-03"]
    assert period_close_due(now=MAY + 2 * D) == []
    april_lines = InvoiceLine.objects.filter(invoice__period_start=APRIL)
    assert list(april_lines.values_list("pk", "amount")) == snapshot


def test_the_database_refuses_a_second_invoice_for_a_customer_and_period(worked_example):
    period_close(period=Period.from_label("2026-04"), now=MAY, issue=False)
    invoice = Invoice.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            customer=invoice.customer, period_start=invoice.period_start,
            period_end=invoice.period_end, currency="EUR", tax_rate=0, subtotal=0, tax=0, total=0,
        )  # fmt: skip


def test_a_period_that_has_not_ended_cannot_be_closed(worked_example):
    with pytest.raises(BillingError):
        period_close(period=Period.from_label("2026-04"), now=MAY - timedelta(seconds=1))


def test_the_monthly_minimum_tops_up_a_small_invoice(standard):
    small = CustomerFactory()
    fs = filespace_existing(customer=small, created_at=APRIL - D)
    reading(fs, APRIL - D, used=10 * GB, users=1)
    period_close(period=Period.from_label("2026-04"), now=MAY)
    invoice = Invoice.objects.get(customer=small)
    rows = [(ln.dimension, ln.quantity, ln.unit_price, ln.amount) for ln in invoice.lines.all()]
    d = Decimal
    assert rows == [
        ("storage", d("10.000000"), d("0.030000"), d("0.30")),
        ("egress", d("0.000000"), d("0.010000"), d("0.00")),
        ("users", d("1.000000"), d("7.500000"), d("7.50")),
        ("minimum", d("1.000000"), d("2.200000"), d("2.20")),  # 10.00 - 7.80
        ("tax", d("10.000000"), d("0.2100"), d("2.10")),
    ]
    assert invoice.total == d("12.10")


def test_a_plan_change_mid_month_is_prorated_by_time(standard):
    pro = PricePlanFactory(
        name="Pro", price_per_gb_month=Decimal("0.02"), price_per_user_month=Decimal("5"),
        monthly_minimum=Decimal("0"), included_egress_gb=Decimal("0"), tax_rate=Decimal("0.21"),
    )  # fmt: skip
    customer = CustomerFactory()
    fs = filespace_existing(customer=customer, created_at=APRIL - D)
    hourly(fs, APRIL - D, MAY, used=900 * GB, users=2)
    assign(customer, pro, APRIL + 15 * D)  # from 16 April 00:00: 15 days each
    period_close(period=Period.from_label("2026-04"), now=MAY)
    invoice = Invoice.objects.get(customer=customer)
    rows = [
        (ln.dimension, ln.plan_name, ln.quantity, ln.amount)
        for ln in invoice.lines.exclude(dimension="egress")
    ]
    d = Decimal
    assert rows == [
        ("storage", "Standard", d("450.000000"), d("13.50")),  # 900 GB * 15/30 * 0.03
        ("users", "Standard", d("1.000000"), d("7.50")),  # 2 users * 15/30 * 7.50
        ("storage", "Pro", d("450.000000"), d("9.00")),  # 900 GB * 15/30 * 0.02
        ("users", "Pro", d("1.000000"), d("5.00")),  # 2 users * 15/30 * 5.00
        ("tax", "Pro", d("35.000000"), d("7.35")),  # minimum 10 * 15/30 = 5 < 35
    ]
    assert invoice.total == d("42.35")


def test_a_plan_change_in_another_currency_must_start_a_period(standard):
    usd = PricePlanFactory(name="US", currency="USD")
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        customer_plan_assign(customer=customer, plan=usd, valid_from=APRIL + 3 * D)
    assert customer_plan_assign(customer=customer, plan=usd, valid_from=MAY).plan == usd


def test_an_invoiced_period_cannot_get_a_new_plan(worked_example):
    period_close(period=Period.from_label("2026-04"), now=MAY)
    other = PricePlanFactory()
    with pytest.raises(ValidationError):
        customer_plan_assign(customer=worked_example, plan=other, valid_from=APRIL + D)


def test_an_issued_invoice_refuses_every_edit(worked_example):
    period_close(period=Period.from_label("2026-04"), now=MAY)
    invoice = Invoice.objects.get()
    invoice.total = Decimal("1.00")
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.get().delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    line = InvoiceLine.objects.first()
    line.amount = Decimal("0.01")
    with pytest.raises(InvoiceImmutable):
        line.save()
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(invoice=invoice).update(amount=0)
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(invoice=invoice).delete()
    assert Invoice.objects.get().total == Decimal("113.53")


def test_numbers_are_sequential_and_a_rolled_back_issue_leaves_no_gap(standard):
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        reading(filespace_existing(customer=customer, created_at=APRIL), APRIL, used=GB)
    period_close(period=Period.from_label("2026-04"), now=MAY, issue=False)
    drafts = list(Invoice.objects.order_by("pk"))
    invoice_issue(invoice_id=drafts[0].pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(invoice_id=drafts[1].pk)
        raise RuntimeError("the issuing transaction fails after taking a number")
    invoice_issue(invoice_id=drafts[2].pk)
    invoice_issue(invoice_id=drafts[1].pk)
    invoice_issue(invoice_id=drafts[1].pk)  # issuing twice is harmless
    numbers = list(Invoice.objects.order_by("number").values_list("number", flat=True))
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]


def test_a_credit_note_refers_to_the_invoice_and_reverses_it(worked_example):
    period_close(period=Period.from_label("2026-04"), now=MAY)
    invoice = Invoice.objects.get()
    note = credit_note_create(invoice_id=invoice.pk, reason="Storage double counted")
    assert note.credit_for == invoice and note.kind == "credit_note" and not note.is_issued
    assert note.total == -invoice.total
    assert note.total == sum(line.amount for line in note.lines.all())
    note = invoice_issue(invoice_id=note.pk)
    assert note.number == "CN-000001"
    with pytest.raises(ValidationError):
        credit_note_create(invoice_id=invoice.pk, reason="again")  # would exceed the invoice


def test_a_partial_credit_is_taxed_at_the_invoice_rate(worked_example):
    period_close(period=Period.from_label("2026-04"), now=MAY)
    invoice = Invoice.objects.get()
    note = credit_note_create(invoice_id=invoice.pk, reason="Goodwill", net_amount=Decimal("10"))
    amounts = [(ln.dimension, ln.amount) for ln in note.lines.all()]
    assert amounts == [("adjustment", Decimal("-10.00")), ("tax", Decimal("-2.10"))]
    assert note.total == Decimal("-12.10")


def test_close_due_uses_the_billing_time_zone(settings, standard):
    settings.BILLING_TIME_ZONE = "America/New_York"
    customer = CustomerFactory()
    fs = filespace_existing(customer=customer, created_at=datetime(2026, 4, 2, tzinfo=UTC))
    reading(fs, datetime(2026, 4, 2, tzinfo=UTC), used=GB)
    # April ends at 1 May 04:00 UTC in New York (EDT): at 00:10 UTC it is still April there.
    assert period_close_due(now=datetime(2026, 5, 1, 0, 10, tzinfo=UTC)) == []
    closed = period_close_due(now=datetime(2026, 5, 1, 4, 10, tzinfo=UTC))
    assert [(r.period.label, r.created) for r in closed] == [("2026-04", 1)]
    invoice = Invoice.objects.get()
    assert invoice.period_start == datetime(2026, 4, 1, 4, tzinfo=UTC)
    assert invoice.period_end == datetime(2026, 5, 1, 4, tzinfo=UTC)
    assert period_close_due(now=datetime(2026, 5, 1, 5, 10, tzinfo=UTC)) == []


def test_close_due_closes_every_missed_period_in_order(standard):
    customer = CustomerFactory()
    fs = filespace_existing(customer=customer, created_at=datetime(2026, 2, 10, tzinfo=UTC))
    reading(fs, datetime(2026, 2, 10, tzinfo=UTC), used=GB)
    closed = period_close_due(now=datetime(2026, 5, 3, tzinfo=UTC))
    assert [r.period.label for r in closed] == ["2026-02", "2026-03", "2026-04"]
    numbers = Invoice.objects.order_by("period_start").values_list("number", flat=True)
    assert list(numbers) == ["INV-000001", "INV-000002", "INV-000003"]


def test_a_dst_month_invoice(settings, standard):
    settings.BILLING_TIME_ZONE = "Europe/Amsterdam"
    customer = CustomerFactory()
    created = datetime(2026, 3, 28, 23, tzinfo=UTC)  # 29 March 00:00 CET
    deleted = datetime(2026, 3, 29, 22, tzinfo=UTC)  # 30 March 00:00 CEST: 23 h later
    fs = filespace_existing(customer=customer, created_at=created, deleted_at=deleted)
    hourly(fs, created, deleted, used=1000 * GB)
    period_close(period=Period.from_label("2026-03"), now=datetime(2026, 4, 1, tzinfo=UTC))
    storage = InvoiceLine.objects.get(dimension="storage")
    assert storage.quantity == Decimal("30.955585")  # 1000 * 23 / 743
    assert storage.amount == Decimal("0.93")  # 30.955585 * 0.03 = 0.92866..


def test_totals_that_floating_point_cannot_add_are_stored(standard):
    # 0.10 + 0.20 != 0.30 in binary floating point, which SQLite uses for decimals.
    customer = CustomerFactory()
    invoice = Invoice.objects.create(
        customer=customer, period_start=APRIL, period_end=MAY, currency="EUR",
        tax_rate=Decimal("0.21"), subtotal=Decimal("0.10"), tax=Decimal("0.20"),
        total=Decimal("0.30"),
    )  # fmt: skip
    assert invoice.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            customer=CustomerFactory(), period_start=APRIL, period_end=MAY, currency="EUR",
            tax_rate=Decimal("0.21"), subtotal=Decimal("0.10"), tax=Decimal("0.20"),
            total=Decimal("0.31"),
        )  # fmt: skip


def test_one_customers_problem_does_not_hold_up_the_others(standard):
    usd = PricePlanFactory(name="US", currency="USD")
    broken, fine = CustomerFactory(), CustomerFactory()
    for customer in (broken, fine):
        reading(filespace_existing(customer=customer, created_at=APRIL), APRIL, used=GB)
    # Bypasses the service's rule, as a bad data import would.
    assign(broken, usd, APRIL + 10 * D)
    result = period_close(period=Period.from_label("2026-04"), now=MAY)
    assert (result.created, result.failed) == (1, 1)
    assert list(Invoice.objects.values_list("customer", flat=True)) == [fine.pk]
    assert not PeriodClose.objects.exists()  # the next run tries the broken one again
    assert [r.failed for r in period_close_due(now=MAY + D)] == [1]


def test_usage_stops_when_deletion_is_asked_for_not_when_lucidlink_confirms_it(db):
    """Deleted on the 20th at midnight, confirmed by LucidLink on the 25th: 19 days billed."""
    from billing.charges import filespaces_in

    default_plan()
    customer = CustomerFactory()
    fs = filespace_existing(customer=customer, created_at=APRIL)
    Filespace.objects.filter(pk=fs.pk).update(
        usage_ends_at=APRIL + 19 * D, deleted_at=APRIL + 24 * D, status="deleted"
    )
    reading(fs, APRIL, used=30 * GB)

    period_close(period=Period.from_label("2026-04"), now=MAY, issue=False)

    storage = InvoiceLine.objects.get(dimension="storage")
    assert storage.quantity == Decimal("19.000000")  # 30 GB x 19/30 of April
    assert filespaces_in(customer=customer, start=APRIL + 20 * D, end=MAY) == []
