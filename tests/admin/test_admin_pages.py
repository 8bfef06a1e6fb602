"""Staff find any customer or filespace, read its history, and list pages stay cheap."""

import itertools

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from provisioning import services
from tenants import services as tenant_services
from tenants.models import AuditEntry, Invitation, Membership
from tests.factories import CustomerFactory, FilespaceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:tenants_customer_changelist",
    "admin:tenants_membership_changelist",
    "admin:tenants_invitation_changelist",
    "admin:tenants_auditentry_changelist",
    "admin:provisioning_filespace_changelist",
    "admin:provisioning_storageoption_changelist",
]


_serial = itertools.count()


def make_rows(n):
    for _ in range(n):
        i = next(_serial)
        membership = MembershipFactory(role="owner")
        fs = FilespaceFactory(customer=membership.customer, status="ready", upstream_id=f"up-{i}")
        tenant_services.invitation_create(
            customer=membership.customer, email=f"inv{i}@example.com", role="member",
            actor=membership.user, actor_membership=membership,
        )  # fmt: skip
        services.filespace_transition(filespace=fs, to="error", cause="upstream")


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_list_pages_query_count_does_not_grow_with_rows(
    staff_client, url_name, django_assert_max_num_queries
):
    make_rows(3)
    url = reverse(url_name)
    staff_client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(14) as few:
        assert staff_client.get(url).status_code == 200
    make_rows(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_big_tables_skip_the_full_count(staff_client, url_name):
    from django.contrib import admin
    from django.urls import resolve

    model_admin = resolve(reverse(url_name)).func.model_admin
    assert model_admin.show_full_result_count is False or url_name.endswith(
        "storageoption_changelist"
    )
    assert isinstance(model_admin, admin.ModelAdmin)


@pytest.mark.parametrize(
    ("query", "finds"),
    [("owner-42@example.com", "Hidden Co"), ("up-secret", "Hidden Co"), ("Hidden", "Hidden Co")],
)
def test_customers_are_found_by_name_member_email_or_upstream_id(staff_client, query, finds):
    membership = MembershipFactory(
        customer=CustomerFactory(name="Hidden Co"), user=UserFactory(email="owner-42@example.com")
    )
    FilespaceFactory(customer=membership.customer, upstream_id="up-secret")
    CustomerFactory(name="Someone Else")
    body = staff_client.get(
        reverse("admin:tenants_customer_changelist"), {"q": query}
    ).content.decode()
    assert finds in body
    assert "Someone Else" not in body


@pytest.mark.parametrize("query", ["footage", "up-findme", "orderer@example.com", "Acme"])
def test_filespaces_are_found_by_name_upstream_id_orderer_or_customer(staff_client, query):
    orderer = UserFactory(email="orderer@example.com")
    FilespaceFactory(
        name="footage", upstream_id="up-findme", ordered_by=orderer,
        customer=CustomerFactory(name="Acme"),
    )  # fmt: skip
    FilespaceFactory(name="unrelated")
    body = staff_client.get(
        reverse("admin:provisioning_filespace_changelist"), {"q": query}
    ).content.decode()
    assert "footage." in body
    assert "unrelated." not in body


def test_filespace_page_shows_upstream_state_read_only_and_its_history(staff_client):
    fs = FilespaceFactory(
        status="provisioning", upstream_id="up-55", upstream_status="provisioning"
    )
    services.filespace_transition(filespace=fs, to="ready", cause="upstream", message="Came up.")

    page = staff_client.get(reverse("admin:provisioning_filespace_change", args=[fs.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "up-55" in body
    assert 'name="upstream_id"' not in body  # read-only: no input
    assert 'name="status"' not in body
    assert "Came up." in body
    assert "Upstream (LucidLink)" in body


def test_audit_log_filters_by_customer_and_by_object(staff_client):
    fs = FilespaceFactory(status="provisioning")
    other = FilespaceFactory(status="provisioning")
    services.filespace_transition(filespace=fs, to="ready", cause="upstream", message="mine")
    services.filespace_transition(filespace=other, to="ready", cause="upstream", message="theirs")
    url = reverse("admin:tenants_auditentry_changelist")

    by_object = staff_client.get(url, {"object_type": "provisioning.filespace", "object_id": fs.pk})
    by_customer = staff_client.get(url, {"customer__id__exact": other.customer_id})

    assert by_object.status_code == 200
    assert "mine" in by_object.content.decode() and "theirs" not in by_object.content.decode()
    assert "theirs" in by_customer.content.decode() and "mine" not in by_customer.content.decode()


def test_customer_page_shows_members_links_and_history(staff_client, staff_user):
    membership = MembershipFactory(user=UserFactory(email="lead@acme.example"))
    tenant_services.customer_suspend(
        customer_id=membership.customer_id, actor=staff_user, reason="card expired"
    )
    body = staff_client.get(
        reverse("admin:tenants_customer_change", args=[membership.customer_id])
    ).content.decode()
    assert "lead@acme.example" in body
    assert "card expired" in body
    assert "customer.suspended" in body
    assert 'name="is_suspended"' not in body  # suspension only through the actions


def test_the_audit_log_cannot_be_edited_or_deleted(staff_client):
    fs = FilespaceFactory(status="provisioning")
    services.filespace_transition(filespace=fs, to="ready", cause="upstream")
    entry = AuditEntry.objects.get()
    url = reverse("admin:tenants_auditentry_change", args=[entry.pk])
    assert 'name="action"' not in staff_client.get(url).content.decode()
    assert staff_client.post(url, {"action": "forged"}).status_code == 403
    assert (
        staff_client.get(reverse("admin:tenants_auditentry_delete", args=[entry.pk])).status_code
        == 403
    )


def test_staff_cannot_demote_the_last_owner_in_the_admin(staff_client):
    owner = MembershipFactory(role="owner")
    response = staff_client.post(
        reverse("admin:tenants_membership_change", args=[owner.pk]), {"role": "member"}
    )
    assert response.status_code == 200
    assert "last owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_staff_role_change_is_audited_as_staff(staff_client, staff_user):
    owner = MembershipFactory(role="owner")
    member = MembershipFactory(customer=owner.customer, role="member")
    staff_client.post(
        reverse("admin:tenants_membership_change", args=[member.pk]), {"role": "admin"}
    )
    member.refresh_from_db()
    assert member.role == "admin"
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert (entry.actor, entry.actor_kind) == (staff_user, "staff")


def test_staff_removing_a_member_in_bulk_spares_the_last_owner(staff_client):
    owner = MembershipFactory(role="owner")
    member = MembershipFactory(customer=owner.customer, role="member")
    staff_client.post(
        reverse("admin:tenants_membership_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [owner.pk, member.pk], "post": "yes"},
    )
    assert list(Membership.objects.values_list("pk", flat=True)) == [owner.pk]


def test_staff_send_an_invitation_from_the_admin(
    staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:tenants_invitation_add"),
            {"customer": customer.pk, "email": "Newbie@Example.com", "role": "owner"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "newbie@example.com"
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.get(action="invitation.created").actor_kind == "staff"
