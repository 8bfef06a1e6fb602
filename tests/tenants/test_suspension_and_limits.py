"""A suspended customer looks but changes nothing; the filespace limit and its default."""

import pytest
from django.urls import reverse

from provisioning import services as provisioning_services
from provisioning.models import Filespace
from tenants import services
from tenants.models import AuditEntry, Customer, Invitation, PortalSettings
from tests.factories import FilespaceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


def test_suspending_records_who_why_and_before_after(owner, staff):
    assert services.customer_suspend(customer_id=owner.customer_id, actor=staff, reason="unpaid")
    owner.customer.refresh_from_db()
    assert owner.customer.is_suspended
    entry = AuditEntry.objects.get(action="customer.suspended")
    assert entry.actor == staff
    assert entry.actor_kind == "staff"
    assert entry.before["is_suspended"] is False
    assert entry.after == {"is_suspended": True, "suspended_reason": "unpaid"}
    assert not services.customer_suspend(customer_id=owner.customer_id, actor=staff)


def test_unsuspending_is_recorded(owner, staff):
    services.customer_suspend(customer_id=owner.customer_id, actor=staff)
    assert services.customer_unsuspend(customer_id=owner.customer_id, actor=staff)
    owner.customer.refresh_from_db()
    assert not owner.customer.is_suspended
    assert AuditEntry.objects.filter(action="customer.unsuspended").exists()


@pytest.fixture
def suspended(owner, staff):
    services.customer_suspend(customer_id=owner.customer_id, actor=staff, reason="test")
    owner.customer.refresh_from_db()
    return owner


def test_a_suspended_customer_sees_everything(owner_client, suspended):
    fs = FilespaceFactory(customer=suspended.customer, status="ready")
    page = owner_client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert "suspended" in page.content.decode()
    assert fs.qualified_name in page.content.decode()
    assert owner_client.get(fs.get_absolute_url()).status_code == 200
    assert owner_client.get(reverse("team")).status_code == 200
    assert owner_client.get(reverse("activity")).status_code == 200


def test_a_suspended_customer_cannot_order(suspended, lucidlink_settings):
    with pytest.raises(provisioning_services.OrderRefused, match="suspended"):
        provisioning_services.order_check_allowed(
            customer=suspended.customer, membership=suspended, user=suspended.user
        )


def test_a_suspended_customer_cannot_delete_and_its_filespaces_stay(owner_client, suspended):
    fs = FilespaceFactory(customer=suspended.customer, status="ready", upstream_id="up-9")
    response = owner_client.post(
        reverse("filespace_delete", args=[fs.pk]), {"confirm_name": fs.name}
    )
    assert response.status_code == 422
    assert "suspended" in response.content.decode()
    fs.refresh_from_db()
    assert fs.status == Filespace.Status.READY


def test_a_suspended_customer_cannot_change_its_team(owner_client, suspended):
    member = MembershipFactory(customer=suspended.customer, role="member")
    owner_client.post(reverse("invitation_create"), {"email": "x@example.com", "role": "member"})
    owner_client.post(reverse("member_role", args=[member.pk]), {"role": "admin"})
    owner_client.post(reverse("member_remove", args=[member.pk]))
    member.refresh_from_db()
    assert member.role == "member"
    assert not Invitation.objects.exists()


def test_the_portal_wide_default_limit_is_staff_editable(owner, staff, settings):
    settings.PROVISIONING_DEFAULT_MAX_FILESPACES = 25
    assert owner.customer.filespace_limit == 25
    services.portal_settings_update(actor=staff, default_max_filespaces=2)
    assert Customer.objects.get(pk=owner.customer_id).filespace_limit == 2
    assert AuditEntry.objects.get(action="portal_settings.updated").after == {
        "default_max_filespaces": 2
    }
    services.customer_update(customer_id=owner.customer_id, actor=staff, max_filespaces=5)
    assert Customer.objects.get(pk=owner.customer_id).filespace_limit == 5
    assert PortalSettings.objects.get().default_max_filespaces == 2


def test_reaching_the_limit_gives_a_clear_message(owner_client, owner, staff, lucidlink_settings):
    services.portal_settings_update(actor=staff, default_max_filespaces=1)
    FilespaceFactory(customer=owner.customer)
    FilespaceFactory(customer=owner.customer, status="deleted")  # deleted ones do not count

    page = owner_client.get(reverse("filespace_order")).content.decode()

    assert "reached its limit of 1 filespace." in page
    assert "Delete one or contact support" in page
