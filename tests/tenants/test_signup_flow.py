"""Signup creates the organisation and its owner together; emails are unique in any case."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tenants.models import Customer, Membership

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-good-passphrase"


def signup(client, email="Owner@Example.com", organisation="Acme Post"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "organisation": organisation, "password1": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip


def test_signup_creates_the_customer_and_the_owners_membership(client):
    response = signup(client)

    assert response.status_code == 302
    user = get_user_model().objects.get()
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.customer.name == "Acme Post"
    assert "confirm-email" in mail.outbox[0].body
    assert "signed up for Filespace Portal with this email address (owner@example.com)" in (
        mail.outbox[0].body
    )
    assert not EmailAddress.objects.get(user=user).verified


def test_people_are_greeted_by_email_not_by_an_internal_username(client):
    response = signup(client, email="greeted@example.com")
    page = client.get(response.url).content.decode()
    assert "Successfully signed in as greeted@example.com." in page


def test_email_is_unique_regardless_of_case(client):
    signup(client, email="owner@example.com")
    client.logout()

    response = signup(client, email="OWNER@EXAMPLE.COM", organisation="Copycat")

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert get_user_model().objects.count() == 1
    assert not Customer.objects.filter(name="Copycat").exists()


def test_organisation_name_is_required_and_nothing_is_created_without_it(client):
    response = signup(client, organisation="   ")

    assert response.status_code == 200
    assert "organisation" in response.content.decode().lower()
    assert not get_user_model().objects.exists()
    assert not Customer.objects.exists()


def test_a_failure_creating_the_customer_leaves_no_user_behind(client, monkeypatch):
    from tenants import adapters

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(adapters, "customer_create_with_owner", broken)
    client.raise_request_exception = False

    response = signup(client)

    assert response.status_code == 500
    assert not get_user_model().objects.exists()
    assert not Customer.objects.exists()


def test_password_reset_sends_a_link(client):
    signup(client, email="forgot@example.com")
    client.logout()
    mail.outbox.clear()

    response = client.post(reverse("account_reset_password"), {"email": "FORGOT@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "password/reset/key" in mail.outbox[0].body
