"""The role matrix: each customer role against each page and action.

A team of four (owner, admin, member, billing) in one organisation, and an outsider in
another. Allowed means the page answers or the action takes effect; refused means 403
for a role that may not, and 404 (saying nothing) for another organisation's objects.
"""

import pytest
from django.urls import NoReverseMatch, reverse

from provisioning.models import Filespace
from tenants.models import AuditEntry, Invitation, Membership
from tests.factories import FilespaceFactory, MembershipFactory, storage_option

pytestmark = pytest.mark.django_db

ROLES = ["owner", "admin", "member", "billing"]
MANAGERS = {"owner", "admin"}
ORDERERS = {"owner", "admin", "member"}
BILLING_READERS = {"owner", "admin", "billing"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    owner = MembershipFactory(role="owner")
    team = {"owner": owner}
    for role in ROLES[1:]:
        team[role] = MembershipFactory(customer=owner.customer, role=role)
    team["target"] = MembershipFactory(customer=owner.customer, role="member")
    team["filespace"] = FilespaceFactory(
        customer=owner.customer, name="team-footage", status="ready", upstream_id="up-team"
    )
    return team


@pytest.fixture
def outsider_org(db):
    membership = MembershipFactory(role="owner")
    filespace = FilespaceFactory(
        customer=membership.customer, name="secret-project", status="ready", upstream_id="up-s"
    )
    return membership, filespace


def as_role(client, org, role):
    client.force_login(org[role].user)
    return client


def expect(allowed: bool, response, *, ok=(200, 302)):
    if allowed:
        assert response.status_code in ok, response.status_code
    else:
        assert response.status_code == 403, response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["dashboard", "team", "activity", "filespace_detail"])
def test_every_role_sees_the_shared_pages(client, org, role, page):
    args = [org["filespace"].pk] if page == "filespace_detail" else []
    response = as_role(client, org, role).get(reverse(page, args=args))
    assert response.status_code == 200
    if page == "dashboard":
        assert "team-footage" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_ordering_page_and_action(client, org, role, lucidlink_settings, settings):
    settings.LUCIDLINK_CLIENT_ID = ""  # no upstream name check: nothing leaves the test
    client = as_role(client, org, role)
    expect(role in ORDERERS, client.get(reverse("filespace_order")))
    response = client.post(
        reverse("filespace_order"), {"name": f"new-{role}", "storage_option": storage_option().pk}
    )
    expect(role in ORDERERS, response)
    assert Filespace.objects.filter(name=f"new-{role}").exists() == (role in ORDERERS)


@pytest.mark.parametrize("role", ROLES)
def test_deleting_page_and_action(client, org, role, monkeypatch):
    from provisioning import tasks

    monkeypatch.setattr(tasks.filespace_delete_upstream, "apply_async", lambda *a, **k: None)
    client = as_role(client, org, role)
    fs = org["filespace"]
    expect(role in MANAGERS, client.get(reverse("filespace_delete", args=[fs.pk])))
    response = client.post(reverse("filespace_delete", args=[fs.pk]), {"confirm_name": fs.name})
    expect(role in MANAGERS, response)
    fs.refresh_from_db()
    assert (fs.status == Filespace.Status.DELETING) == (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_inviting(client, org, role):
    response = as_role(client, org, role).post(
        reverse("invitation_create"), {"email": "new@example.com", "role": "member"}
    )
    expect(role in MANAGERS, response)
    assert Invitation.objects.exists() == (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_role(client, org, role):
    target = org["target"]
    response = as_role(client, org, role).post(
        reverse("member_role", args=[target.pk]), {"role": "billing"}
    )
    expect(role in MANAGERS, response)
    target.refresh_from_db()
    assert (target.role == "billing") == (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_removing_someone_else(client, org, role):
    target = org["target"]
    response = as_role(client, org, role).post(reverse("member_remove", args=[target.pk]))
    expect(role in MANAGERS, response)
    assert Membership.objects.filter(pk=target.pk).exists() != (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_team_page_offers_management_only_to_managers(client, org, role):
    body = as_role(client, org, role).get(reverse("team")).content.decode()
    assert ("Invite someone" in body) == (role in MANAGERS)
    assert (reverse("member_role", args=[org["target"].pk]) in body) == (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_navigation_offers_only_what_the_role_may_do(client, org, role):
    body = as_role(client, org, role).get(reverse("dashboard")).content.decode()
    assert (reverse("filespace_order") in body) == (role in ORDERERS)
    assert reverse("team") in body
    assert reverse("activity") in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["billing_overview", "billing_usage_csv"])
def test_billing_pages(client, org, role, page):
    try:
        url = reverse(page)
    except NoReverseMatch:
        pytest.skip(f"{page} is not routed")
    expect(role in BILLING_READERS, as_role(client, org, role).get(url))


@pytest.mark.parametrize("role", ROLES)
def test_activity_hides_money_from_roles_without_billing(client, org, role):
    customer = org["owner"].customer
    AuditEntry.objects.create(
        customer=customer, actor_kind="staff", action="invoice.issued",
        object_type="billing.invoice", object_id="1", object_repr="INV-0001 total 120.00",
    )  # fmt: skip
    AuditEntry.objects.create(
        customer=customer, actor_kind="customer", action="filespace.ordered",
        object_type="provisioning.filespace", object_id="2", object_repr="team-footage",
    )  # fmt: skip
    body = as_role(client, org, role).get(reverse("activity")).content.decode()
    assert "team-footage" in body
    assert ("INV-0001" in body) == (role in BILLING_READERS)


@pytest.mark.parametrize("role", ROLES)
def test_another_organisations_objects_answer_404_and_say_nothing(client, org, outsider_org, role):
    theirs_membership, theirs = outsider_org
    client = as_role(client, org, role)
    requests = [
        ("get", reverse("filespace_detail", args=[theirs.pk]), {}),
        ("get", reverse("filespace_delete", args=[theirs.pk]), {}),
        ("post", reverse("filespace_delete", args=[theirs.pk]), {"confirm_name": theirs.name}),
    ]
    if role in MANAGERS:  # others are refused before the object is even looked up
        requests += [
            ("post", reverse("member_role", args=[theirs_membership.pk]), {"role": "member"}),
            ("post", reverse("member_remove", args=[theirs_membership.pk]), {}),
        ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        if role not in MANAGERS and "delete" in url:
            assert response.status_code == 403  # the role check comes first, and says nothing
        else:
            assert response.status_code == 404, url
        assert "secret-project" not in response.content.decode()
    theirs.refresh_from_db()
    theirs_membership.refresh_from_db()
    assert theirs.status == Filespace.Status.READY
    assert theirs_membership.role == "owner"


def test_activity_and_dashboard_never_show_another_organisations_data(client, org, outsider_org):
    _, theirs = outsider_org
    AuditEntry.objects.create(
        customer=theirs.customer, actor_kind="customer", action="filespace.ordered",
        object_type="provisioning.filespace", object_id=str(theirs.pk),
        object_repr="secret-project",
    )  # fmt: skip
    client = as_role(client, org, "owner")
    for page in ["dashboard", "activity", "team"]:
        assert "secret-project" not in client.get(reverse(page)).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    for page in ["dashboard", "team", "activity", "filespace_order"]:
        response = client.get(reverse(page))
        assert response.status_code == 302
        assert reverse("account_login") in response.url
