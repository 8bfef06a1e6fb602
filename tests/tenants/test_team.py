"""Teams: changing roles, removing and leaving, the last owner, several organisations."""

import pytest
from django.urls import reverse

from tenants import services
from tenants.middleware import SESSION_KEY
from tenants.models import AuditEntry, Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(owner):
    customer = owner.customer
    return {
        "owner": owner,
        "admin": MembershipFactory(customer=customer, role="admin"),
        "member": MembershipFactory(customer=customer, role="member"),
        "billing": MembershipFactory(customer=customer, role="billing"),
    }


def test_team_page_lists_the_members_of_this_organisation_only(owner_client, team):
    stranger = MembershipFactory(user__email="stranger@example.com")
    body = owner_client.get(reverse("team")).content.decode()
    for membership in team.values():
        assert membership.user.email in body
    assert stranger.user.email not in body


def test_owner_changes_a_role_and_the_change_is_audited(owner_client, team):
    member = team["member"]
    response = owner_client.post(reverse("member_role", args=[member.pk]), {"role": "billing"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == "billing"
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert entry.actor == team["owner"].user
    assert entry.before["role"] == "member"
    assert entry.after["role"] == "billing"
    assert entry.customer == member.customer


def test_the_last_owner_cannot_be_demoted(owner_client, team):
    owner = team["owner"]
    response = owner_client.post(reverse("member_role", args=[owner.pk]), {"role": "admin"})
    owner.refresh_from_db()
    assert owner.role == "owner"
    assert "last owner" in owner_client.get(response.url).content.decode()


def test_the_last_owner_cannot_leave(owner_client, team):
    owner = team["owner"]
    owner_client.post(reverse("member_remove", args=[owner.pk]))
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_an_owner_may_leave_once_there_is_another(owner_client, team):
    owner, admin = team["owner"], team["admin"]
    services.membership_change_role(
        membership_id=admin.pk, customer=owner.customer, role="owner", actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    owner_client.post(reverse("member_remove", args=[owner.pk]))
    assert not Membership.objects.filter(pk=owner.pk).exists()
    assert AuditEntry.objects.filter(action="membership.left").exists()


def test_two_owners_cannot_demote_each_other_to_none(team):
    owner, admin = team["owner"], team["admin"]
    services.membership_change_role(
        membership_id=admin.pk, customer=owner.customer, role="owner", actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    admin.refresh_from_db()
    services.membership_change_role(
        membership_id=owner.pk, customer=owner.customer, role="member", actor=admin.user,
        actor_membership=admin,
    )  # fmt: skip
    owner.refresh_from_db()
    with pytest.raises(services.ActionRefused, match="last owner"):
        services.membership_change_role(
            membership_id=admin.pk, customer=owner.customer, role="member", actor=admin.user,
            actor_membership=admin,
        )  # fmt: skip


def test_an_admin_cannot_demote_or_remove_an_owner(login, team):
    client = login(team["admin"])
    owner = team["owner"]
    client.post(reverse("member_role", args=[owner.pk]), {"role": "member"})
    client.post(reverse("member_remove", args=[owner.pk]))
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_an_admin_removes_a_member(login, team):
    response = login(team["admin"]).post(reverse("member_remove", args=[team["member"].pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=team["member"].pk).exists()
    assert AuditEntry.objects.filter(action="membership.removed").exists()


def test_a_member_may_leave_but_not_remove_others(login, team):
    client = login(team["member"])
    assert client.post(reverse("member_remove", args=[team["billing"].pk])).status_code == 403
    assert Membership.objects.filter(pk=team["billing"].pk).exists()
    client.post(reverse("member_remove", args=[team["member"].pk]))
    assert not Membership.objects.filter(pk=team["member"].pk).exists()


def test_another_organisations_member_answers_404(owner_client):
    stranger = MembershipFactory(role="member")
    assert (
        owner_client.post(reverse("member_role", args=[stranger.pk]), {"role": "admin"}).status_code
        == 404
    )
    assert owner_client.post(reverse("member_remove", args=[stranger.pk])).status_code == 404
    stranger.refresh_from_db()
    assert stranger.role == "member"


def test_a_person_in_two_organisations_switches_between_them(login, owner):
    second = MembershipFactory(user=owner.user, role="billing")
    client = login(owner)

    client.post(reverse("organisation_switch"), {"customer": second.customer_id})

    assert client.session[SESSION_KEY] == second.customer_id
    body = client.get(reverse("team")).content.decode()
    assert second.customer.name in body
    # In the billing organisation the same person cannot order.
    assert client.get(reverse("filespace_order")).status_code == 403


def test_switching_to_an_organisation_one_is_not_in_answers_404(owner_client):
    other = MembershipFactory()
    response = owner_client.post(reverse("organisation_switch"), {"customer": other.customer_id})
    assert response.status_code == 404
