"""Issuing an invoice or a credit note emails the people who see the customer's billing,
once, after the commit."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.charges import BillingError
from billing.models import Invoice, InvoiceLine
from billing.services import credit_note_create, invoice_issue
from tests.factories import MembershipFactory

OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def team(db):
    owner = MembershipFactory(role="owner", user__email="owner@acme.example")
    member = MembershipFactory(
        customer=owner.customer, role="member", user__email="member@acme.example"
    )
    billing = MembershipFactory(
        customer=owner.customer, role="billing", user__email="books@acme.example"
    )
    return {"owner": owner, "member": member, "billing": billing}


def draft(customer, amount=Decimal("10.00")):
    invoice = Invoice.objects.create(
        customer=customer, period_start=OCTOBER, period_end=NOVEMBER, currency="EUR",
        tax_rate=Decimal("0"), subtotal=amount, tax=Decimal("0.00"), total=amount,
    )  # fmt: skip
    InvoiceLine.objects.create(
        invoice=invoice, position=1, dimension=InvoiceLine.Dimension.ADJUSTMENT,
        description="Work", quantity=Decimal(1), unit="item", unit_price=amount, amount=amount,
        starts_at=OCTOBER, ends_at=NOVEMBER,
    )  # fmt: skip
    return invoice


def test_issuing_an_invoice_emails_owners_and_billing_members_after_the_commit(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = draft(team["owner"].customer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice_issue(invoice_id=invoice.pk)
        assert mailoutbox == []  # nothing before the commit

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    invoice.refresh_from_db()
    message = mailoutbox[0]
    assert sorted(message.to) == ["books@acme.example", "owner@acme.example"]
    assert "member@acme.example" not in message.to
    assert invoice.number in message.subject
    assert invoice.get_absolute_url() in message.body


def test_issuing_an_issued_invoice_again_sends_nothing_more(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = draft(team["owner"].customer)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_issue(invoice_id=invoice.pk)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_issue(invoice_id=invoice.pk)
    assert len(mailoutbox) == 1


def test_a_rolled_back_issue_sends_nothing(team, mailoutbox, django_capture_on_commit_callbacks):
    invoice = draft(team["owner"].customer)
    Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("11.00"), subtotal="11.00")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BillingError):
        invoice_issue(invoice_id=invoice.pk)
    assert mailoutbox == []


def test_issuing_a_credit_note_says_it_is_a_credit_note(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = draft(team["owner"].customer)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_issue(invoice_id=invoice.pk)
        note = credit_note_create(invoice_id=invoice.pk, reason="Goodwill")
    assert len(mailoutbox) == 1  # drafting a credit note tells nobody

    with django_capture_on_commit_callbacks(execute=True):
        invoice_issue(invoice_id=note.pk)

    note.refresh_from_db()
    assert len(mailoutbox) == 2
    assert mailoutbox[1].subject.startswith("New credit note")
    assert note.number in mailoutbox[1].subject
    assert "member@acme.example" not in mailoutbox[1].to
