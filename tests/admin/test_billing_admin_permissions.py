"""The billing admin holds money: support staff reach none of it, billing staff and
superusers all of it. The custom views check permissions themselves (admin_view only
asks for is_staff)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from billing import services
from billing.models import CustomerPricePlan, Invoice
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MONEY_PAGES = [
    ("get", "admin:billing_invoice_changelist", None),
    ("get", "admin:billing_invoice_export", {"period": "2026-11", "kind": "lines"}),
    ("get", "admin:billing_invoice_export", {"period": "2026-11", "kind": "readings"}),
    ("get", "admin:billing_reconciliation", {"period": "2026-11", "fx_rate": "1"}),
    ("get", "admin:billing_invoice_close", None),
    ("post", "admin:billing_invoice_close", {"period": "2026-11"}),
    ("post", "admin:billing_upstream_pull", {}),
    ("get", "admin:billing_priceplan_changelist", None),
    ("get", "admin:billing_customerpriceplan_changelist", None),
    ("get", "admin:billing_customerpriceplan_add", None),
]


@pytest.fixture
def no_lucidlink(monkeypatch):
    monkeypatch.setattr(services, "upstream_invoices_pull", lambda: 0)


def draft_invoice():
    return Invoice.objects.create(
        customer=CustomerFactory(), period_start="2026-10-01T00:00Z",
        period_end="2026-11-01T00:00Z", currency="EUR", tax_rate="0.2100",
        subtotal="0.00", tax="0.00", total="0.00",
    )  # fmt: skip


@pytest.mark.parametrize(("method", "url", "data"), MONEY_PAGES)
def test_support_staff_cannot_reach_money_pages_of_the_billing_admin(
    role_client, method, url, data
):
    response = getattr(role_client("support"), method)(reverse(url), data)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url", "data"), MONEY_PAGES)
def test_billing_staff_reach_the_money_pages(role_client, no_lucidlink, method, url, data):
    response = getattr(role_client("billing"), method)(reverse(url), data)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(("method", "url", "data"), MONEY_PAGES)
def test_superusers_reach_the_money_pages(staff_client, no_lucidlink, method, url, data):
    response = getattr(staff_client, method)(reverse(url), data)
    assert response.status_code in (200, 302)


def test_support_staff_cannot_issue_credit_or_delete_invoices(role_client):
    invoice = draft_invoice()
    client = role_client("support")
    assert client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("admin:billing_invoice_issue", args=[invoice.pk])).status_code == 403
    credit = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    assert client.post(credit, {"reason": "goodwill"}).status_code == 403
    for action in ("issue_drafts", "delete_drafts"):
        response = client.post(
            reverse("admin:billing_invoice_changelist"),
            {"action": action, ACTION_CHECKBOX_NAME: [invoice.pk]},
        )
        assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_billing_staff_issue_a_draft(role_client):
    invoice = draft_invoice()
    client = role_client("billing")
    response = client.post(reverse("admin:billing_invoice_issue", args=[invoice.pk]))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED


def test_support_staff_cannot_assign_a_price_plan(role_client):
    from tests.billing.factories import default_plan

    plan = default_plan()
    customer = CustomerFactory()
    response = role_client("support").post(
        reverse("admin:billing_customerpriceplan_add"),
        {"customer": customer.pk, "plan": plan.pk, "valid_from_0": "2027-01-01",
         "valid_from_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not CustomerPricePlan.objects.filter(customer=customer).exists()


def test_staff_who_may_only_look_at_invoices_get_no_buttons_for_what_they_cannot_do(client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(email="auditor@provider.example", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(user)
    invoice = draft_invoice()

    listing = client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()

    assert reverse("admin:billing_invoice_export") in listing
    assert reverse("admin:billing_invoice_close") not in listing
    assert reverse("admin:billing_reconciliation") not in listing
    assert 'value="issue_drafts"' not in listing and 'value="delete_drafts"' not in listing
    assert reverse("admin:billing_invoice_issue", args=[invoice.pk]) not in page
    assert (
        client.post(reverse("admin:billing_invoice_close"), {"period": "2026-11"}).status_code
        == 403
    )


def test_billing_staff_see_the_buttons(role_client):
    invoice = draft_invoice()
    client = role_client("billing")
    listing = client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()
    assert reverse("admin:billing_invoice_close") in listing
    assert reverse("admin:billing_reconciliation") in listing
    assert 'value="issue_drafts"' in listing and 'value="delete_drafts"' in listing
    assert reverse("admin:billing_invoice_issue", args=[invoice.pk]) in page
