"""Inviting people by email: the link, its expiry, and accepting with or without an account."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tenants import services
from tenants.middleware import SESSION_KEY
from tenants.models import AuditEntry, Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def invite(membership, email="new.person@example.com", role="member"):
    return services.invitation_create(
        customer=membership.customer,
        email=email,
        role=role,
        actor=membership.user,
        actor_membership=membership,
    )


def link_from(message) -> str:
    return re.search(r"https?://\S+/organisation/invitations/\S+/", message.body).group(0)


def test_invitation_email_carries_a_link_and_only_a_hash_is_stored(
    owner_client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("invitation_create"), {"email": "New.Person@Example.com", "role": "billing"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.com"
    assert invitation.role == "billing"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    token = link_from(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash
    assert invitation.token_hash == Invitation.hash_token(token)
    assert AuditEntry.objects.filter(action="invitation.created", customer=owner.customer).exists()


def test_accepting_signed_out_creates_the_account_and_lands_in_the_organisation(owner):
    _, token = invite(owner, role="billing")
    client = Client()
    url = reverse("invitation_accept", args=[token])

    page = client.get(url)
    assert page.status_code == 200
    assert "Choose a password" in page.content.decode()

    response = client.post(
        url, {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.person@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.customer == owner.customer
    assert membership.role == "billing"
    assert EmailAddress.objects.get(user=user).verified
    assert client.session[SESSION_KEY] == owner.customer_id
    assert client.get(reverse("dashboard")).status_code == 200
    assert Invitation.objects.get().accepted_by == user


def test_accepting_signed_in_adds_the_membership_and_switches_to_it(owner, login):
    other = MembershipFactory(user__email="already@example.com")
    _, token = invite(owner, email="ALREADY@example.com", role="admin")
    client = login(other)

    response = client.post(reverse("invitation_accept", args=[token]))

    assert response.status_code == 302
    assert Membership.objects.get(user=other.user, customer=owner.customer).role == "admin"
    assert client.session[SESSION_KEY] == owner.customer_id
    assert AuditEntry.objects.filter(action="membership.created", customer=owner.customer).exists()


def test_signed_out_person_with_an_account_is_asked_to_sign_in_first(owner):
    UserFactory(email="known@example.com")
    _, token = invite(owner, email="known@example.com")

    body = Client().get(reverse("invitation_accept", args=[token])).content.decode()

    assert "Sign in to accept" in body
    assert "?next=/organisation/invitations/" in body


def test_expired_invitation_is_refused_and_joins_nobody(owner):
    _, token = invite(owner)
    client = Client()

    with time_machine.travel(timezone.now() + services.INVITATION_LIFETIME + timedelta(minutes=1)):
        response = client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
        )
        with pytest.raises(services.InvitationInvalid, match="expired"):
            services.invitation_accept(token=token, user=owner.user)

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not get_user_model().objects.filter(email="new.person@example.com").exists()


def test_an_invitation_works_once(owner, login):
    _, token = invite(owner, email="once@example.com")
    person = MembershipFactory(user__email="once@example.com")
    login(person).post(reverse("invitation_accept", args=[token]))

    response = Client().get(reverse("invitation_accept", args=[token]))

    assert response.status_code == 410


def test_a_forwarded_link_does_not_let_someone_else_in(owner, login):
    _, token = invite(owner, email="intended@example.com")
    stranger = MembershipFactory(user__email="stranger@example.com")

    client = login(stranger)
    page = client.get(reverse("invitation_accept", args=[token]))
    response = client.post(reverse("invitation_accept", args=[token]))

    assert page.status_code == 409
    assert "signed in as stranger@example.com" in page.content.decode()
    assert response.status_code == 409
    assert "intended@example.com" in response.content.decode()
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(token=token, user=stranger.user)
    assert not Membership.objects.filter(user=stranger.user, customer=owner.customer).exists()


def test_revoked_invitation_is_refused(owner):
    invitation, token = invite(owner)
    services.invitation_revoke(
        invitation_id=invitation.pk, customer=owner.customer, actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip

    assert Client().get(reverse("invitation_accept", args=[token])).status_code == 410


def test_inviting_the_same_address_again_replaces_the_open_invitation(owner):
    first, first_token = invite(owner, email="twice@example.com")
    second, _ = invite(owner, email="TWICE@example.com")

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.is_open
    assert Client().get(reverse("invitation_accept", args=[first_token])).status_code == 410


def test_the_database_holds_one_open_invitation_per_address_whatever_its_case(owner):
    invite(owner, email="case@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            customer=owner.customer,
            email="CASE@example.com",
            role="member",
            token_hash="x" * 64,
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_inviting_an_existing_member_is_refused_beside_the_field(owner_client, owner):
    MembershipFactory(customer=owner.customer, user__email="member@example.com", role="member")

    response = owner_client.post(
        reverse("invitation_create"), {"email": "Member@Example.com", "role": "member"}
    )

    assert response.status_code == 422
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_an_owner_may_invite_an_owner(owner, login):
    admin = MembershipFactory(customer=owner.customer, role="admin")
    response = login(admin).post(
        reverse("invitation_create"), {"email": "boss@example.com", "role": "owner"}
    )
    assert response.status_code == 422  # not a choice the admin is offered
    assert not Invitation.objects.exists()
    with pytest.raises(services.PermissionDenied):
        invite(admin, email="boss@example.com", role="owner")


def test_signup_password_is_checked_like_any_other(owner):
    _, token = invite(owner)
    response = Client().post(
        reverse("invitation_accept", args=[token]), {"password1": "123", "password2": "123"}
    )
    assert response.status_code == 422
    assert not get_user_model().objects.filter(email="new.person@example.com").exists()
