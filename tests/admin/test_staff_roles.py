"""Staff roles: "support" runs customers and provisioning without money; "billing" runs
plans and invoices without changing customers or filespaces."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from tenants.staff_roles import staff_roles_sync
from tests.factories import CustomerFactory, FilespaceFactory

pytestmark = pytest.mark.django_db


def codenames(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_the_migration_created_both_groups():
    support, billing = codenames("support"), codenames("billing")
    assert {"change_customer", "change_filespace", "view_auditentry"} <= support
    assert {"view_customer", "view_filespace", "view_auditentry"} <= billing
    assert "change_customer" not in billing
    assert "change_filespace" not in billing


def test_support_holds_no_billing_permission():
    support = Group.objects.get(name="support")
    assert not support.permissions.filter(content_type__app_label="billing").exists()


def test_syncing_again_changes_nothing_and_repairs_drift():
    group = Group.objects.get(name="support")
    before = codenames("support")
    group.permissions.clear()
    staff_roles_sync()
    staff_roles_sync()
    assert codenames("support") == before


def test_support_staff_suspend_customers_and_retry_filespaces(role_client):
    client = role_client("support")
    customer = CustomerFactory()
    assert client.get(reverse("admin:tenants_customer_changelist")).status_code == 200
    client.post(
        reverse("admin:tenants_customer_changelist"),
        {"action": "suspend", ACTION_CHECKBOX_NAME: [customer.pk], "confirmed": "yes"},
    )
    customer.refresh_from_db()
    assert customer.is_suspended


def test_billing_staff_look_at_customers_but_cannot_suspend_them(role_client):
    client = role_client("billing")
    customer = CustomerFactory()
    page = client.get(reverse("admin:tenants_customer_changelist"))
    assert page.status_code == 200
    assert 'value="suspend"' not in page.content.decode()
    client.post(
        reverse("admin:tenants_customer_changelist"),
        {"action": "suspend", ACTION_CHECKBOX_NAME: [customer.pk], "confirmed": "yes"},
    )
    customer.refresh_from_db()
    assert not customer.is_suspended


def test_billing_staff_cannot_retry_provisioning(role_client):
    client = role_client("billing")
    fs = FilespaceFactory(status="error")
    page = client.get(reverse("admin:provisioning_filespace_changelist"))
    assert 'value="retry"' not in page.content.decode()
    assert 'value="export_csv"' in page.content.decode()
    client.post(
        reverse("admin:provisioning_filespace_changelist"),
        {"action": "retry", ACTION_CHECKBOX_NAME: [fs.pk]},
    )
    fs.refresh_from_db()
    assert fs.status == "error"


def test_billing_staff_hold_every_billing_models_permissions():
    from django.apps import apps
    from django.contrib.auth.models import Permission

    billing_perms = Permission.objects.filter(content_type__app_label="billing")
    if not list(apps.get_app_config("billing").get_models()) or not billing_perms.exists():
        pytest.skip("billing has no models yet")
    group = Group.objects.get(name="billing")
    assert set(billing_perms) <= set(group.permissions.all())
