"""Ordering a filespace in the browser: validation beside the field, nothing created on
bad input, one filespace per name whatever happens, and the task queued after commit."""

import pytest
from django.urls import reverse

from provisioning.models import Filespace
from tests.factories import FilespaceFactory, MembershipFactory, UserFactory, storage_option
from tests.provisioning.conftest import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_upstream_clash(api):
    api.get(f"{API}/filespaces", json=[])
    return api


def post_order(client, **data):
    data.setdefault("storage_option", storage_option().pk)
    return client.post(reverse("filespace_order"), data)


def test_order_creates_one_filespace_and_queues_it_after_commit(
    owner_client, owner, no_upstream_clash, django_capture_on_commit_callbacks, mocker_delay
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_order(owner_client, name="projects")

    filespace = Filespace.objects.get()
    assert response.status_code == 302
    assert response.url == filespace.get_absolute_url()
    assert filespace.customer == owner.customer
    assert filespace.qualified_name == "projects.unit-domain"
    assert filespace.status == Filespace.Status.ORDERED
    assert len(callbacks) == 1
    assert mocker_delay == [filespace.pk]


@pytest.fixture
def mocker_delay(monkeypatch):
    """Capture what would be sent to the broker."""
    sent = []
    from provisioning import tasks

    monkeypatch.setattr(tasks.filespace_provision, "delay", lambda pk: sent.append(pk))
    return sent


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Projects", "lowercase letters"),
        ("a", "2 to 63 characters"),
        ("under_score", "lowercase letters"),
        ("x" * 64, "63"),
    ],
)
def test_bad_name_shows_a_message_beside_the_field_and_creates_nothing(
    owner_client, no_upstream_clash, name, message
):
    response = post_order(owner_client, name=name)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'id="id_name_error"' in response.content.decode()
    assert not Filespace.objects.exists()


def test_name_used_by_another_customer_is_refused_without_saying_who(
    owner_client, no_upstream_clash, lucidlink_settings
):
    other = FilespaceFactory(name="projects", domain_name="unit-domain")

    response = post_order(owner_client, name="projects")

    body = response.content.decode()
    assert response.status_code == 422
    assert "already taken" in body
    assert other.customer.name not in body
    assert Filespace.objects.count() == 1


def test_name_taken_upstream_outside_the_portal_is_refused(owner_client, api):
    api.get(f"{API}/filespaces", json=[{"id": "x", "domain": "d", "name": "legacy",
                                        "status": "provisioned",
                                        "storage": {"provider": "Wasabi"}}])  # fmt: skip
    response = post_order(owner_client, name="legacy")
    assert response.status_code == 422
    assert "already taken" in response.content.decode()
    assert not Filespace.objects.exists()


def test_endpoint_only_where_the_provider_accepts_one(owner_client, no_upstream_clash):
    response = post_order(owner_client, name="with-endpoint", endpoint="s3.example.com:443")
    assert response.status_code == 422
    assert "does not accept a custom endpoint" in response.content.decode()

    other = storage_option("Other", "us-east-1", owner="customer", subscription_type="custom")
    response = post_order(
        owner_client, name="with-endpoint", storage_option=other.pk, endpoint="s3.example.com:443"
    )
    assert response.status_code == 302


def test_bad_bucket_name_is_refused(owner_client, no_upstream_clash):
    response = post_order(owner_client, name="bucketed", bucket="Bad_Bucket")
    assert response.status_code == 422
    assert "dots and hyphens" in response.content.decode()
    assert not Filespace.objects.exists()


def test_double_submit_creates_one_filespace_and_shows_it(owner_client, no_upstream_clash):
    first = post_order(owner_client, name="twice")
    second = post_order(owner_client, name="twice")

    assert first.status_code == 302
    assert second.status_code == 302
    assert second.url == first.url
    assert Filespace.objects.filter(name="twice").count() == 1


def test_a_name_a_teammate_just_ordered_is_still_refused(
    owner_client, owner, no_upstream_clash, lucidlink_settings
):
    teammate = MembershipFactory(customer=owner.customer, role="member")
    FilespaceFactory(customer=owner.customer, name="shared", ordered_by=teammate.user,
                     domain_name="unit-domain")  # fmt: skip

    response = post_order(owner_client, name="shared")

    assert response.status_code == 422
    assert "already taken" in response.content.decode()


def test_the_database_refuses_a_second_live_filespace_of_the_same_name(lucidlink_settings):
    from django.db import IntegrityError, transaction

    FilespaceFactory(name="unique-one")
    with pytest.raises(IntegrityError), transaction.atomic():
        FilespaceFactory(name="unique-one")
    FilespaceFactory(name="freed", status=Filespace.Status.DELETED)
    FilespaceFactory(name="freed")  # a deleted filespace's name is free again


def test_unverified_email_cannot_order(login, no_upstream_clash):
    membership = MembershipFactory(user=UserFactory(verified=False))
    client = login(membership)

    page = client.get(reverse("filespace_order"))
    response = post_order(client, name="early")

    assert "verify your email" in page.content.decode()
    assert response.status_code == 422
    assert not Filespace.objects.exists()


def test_limit_reached_is_explained(owner_client, owner, no_upstream_clash):
    owner.customer.max_filespaces = 1
    owner.customer.save()
    FilespaceFactory(customer=owner.customer)

    response = post_order(owner_client, name="one-too-many")

    assert "limit of 1 filespace." in response.content.decode()
    assert Filespace.objects.count() == 1


def test_suspended_customer_cannot_order(owner_client, owner, no_upstream_clash):
    owner.customer.is_suspended = True
    owner.customer.save()

    response = post_order(owner_client, name="paused")

    assert "suspended" in response.content.decode()
    assert not Filespace.objects.exists()


def test_every_id_the_order_form_points_aria_describedby_at_exists(owner_client, no_upstream_clash):
    import re

    page = post_order(owner_client, name="Bad_Name", bucket="X").content.decode()

    ids = set(re.findall(r'\bid="([^"]+)"', page))
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described
    for refs in described:
        for ref in refs.split():
            assert ref in ids, f"aria-describedby points at missing #{ref}"


@pytest.mark.parametrize(
    "endpoint", ["not a host !!", "javascript:alert(1)", "https://s3.example.com", "h:99999"]
)
def test_a_malformed_endpoint_is_refused_beside_the_field(
    owner_client, no_upstream_clash, endpoint
):
    other = storage_option("Other", "us-east-1", owner="customer", subscription_type="custom")
    response = post_order(owner_client, name="odd", storage_option=other.pk, endpoint=endpoint)
    assert response.status_code == 422
    assert "host:port" in response.content.decode()
    assert not Filespace.objects.exists()


@pytest.mark.parametrize("bucket", ["192.168.1.1", "xn--foo", "abc-s3alias", "sthree-x"])
def test_bucket_names_s3_reserves_are_refused(owner_client, no_upstream_clash, bucket):
    response = post_order(owner_client, name="bucketed", bucket=bucket)
    assert response.status_code == 422
    assert not Filespace.objects.exists()
