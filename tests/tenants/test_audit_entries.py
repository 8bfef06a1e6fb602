"""The audit entry each service writes: actor, kind, object, before and after."""

import pytest

from provisioning import services as provisioning_services
from tenants import services
from tenants.models import AuditEntry
from tests.factories import FilespaceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def only(action):
    return AuditEntry.objects.get(action=action)


def test_customer_created(db):
    user = UserFactory()
    customer = services.customer_create_with_owner(name="New Co", user=user)
    entry = only("customer.created")
    assert (entry.customer, entry.actor, entry.actor_kind) == (customer, user, "customer")
    assert entry.after == {"name": "New Co", "owner": user.email}


def test_role_change(owner):
    member = MembershipFactory(customer=owner.customer, role="member")
    services.membership_change_role(
        membership_id=member.pk, customer=owner.customer, role="admin", actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    entry = only("membership.role_changed")
    assert entry.object_type == "tenants.membership"
    assert entry.object_id == str(member.pk)
    assert entry.before == {"user": member.user.email, "role": "member"}
    assert entry.after == {"user": member.user.email, "role": "admin"}


def test_invitation_created_revoked(owner):
    invitation, _ = services.invitation_create(
        customer=owner.customer, email="a@example.com", role="member", actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    services.invitation_revoke(
        invitation_id=invitation.pk, customer=owner.customer, actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    assert only("invitation.created").after["email"] == "a@example.com"
    assert only("invitation.revoked").before == {"email": "a@example.com", "role": "member"}


def test_filespace_order_and_each_status_change_with_its_cause(owner, lucidlink_settings, settings):
    settings.LUCIDLINK_CLIENT_ID = ""
    from tests.factories import storage_option

    fs = provisioning_services.filespace_order(
        customer=owner.customer, membership=owner, user=owner.user, name="cause-test",
        storage_option=storage_option(),
    )  # fmt: skip
    provisioning_services.filespace_transition(filespace=fs, to="provisioning", cause="task")
    provisioning_services.filespace_transition(filespace=fs, to="ready", cause="upstream")
    ordered = only("filespace.ordered")
    assert (ordered.actor, ordered.actor_kind) == (owner.user, "customer")
    changes = list(
        AuditEntry.objects.filter(action="filespace.status")
        .order_by("id")
        .values_list("before", "after", "actor_kind")
    )
    assert changes == [
        ({"status": "ordered"}, {"status": "provisioning"}, "task"),
        ({"status": "provisioning"}, {"status": "ready"}, "upstream"),
    ]


def test_deletion_request(owner, monkeypatch):
    from provisioning import tasks

    monkeypatch.setattr(tasks.filespace_delete_upstream, "apply_async", lambda *a, **k: None)
    fs = FilespaceFactory(customer=owner.customer, status="ready", upstream_id="up-a")
    provisioning_services.filespace_delete(
        filespace_id=fs.pk, customer=owner.customer, membership=owner, user=owner.user,
        confirm_name=fs.name,
    )  # fmt: skip
    entry = only("filespace.delete_requested")
    assert (entry.actor, entry.actor_kind) == (owner.user, "customer")
    assert entry.before == {"status": "ready", "upstream_id": "up-a"}
    status = only("filespace.status")
    assert status.after == {"status": "deleting"}


def test_customer_update_records_only_what_changed(owner):
    staff = UserFactory(is_staff=True)
    services.customer_update(
        customer_id=owner.customer_id, actor=staff, name=owner.customer.name, max_filespaces=4
    )
    entry = only("customer.updated")
    assert entry.before == {"max_filespaces": None}
    assert entry.after == {"max_filespaces": 4}
    assert entry.actor_kind == "staff"
