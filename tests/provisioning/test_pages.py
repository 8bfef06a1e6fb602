"""The customer's pages: dashboard, filespace page with Connect, tenant isolation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from provisioning.models import Filespace
from tests.factories import FilespaceFactory, MembershipFactory, storage_option

pytestmark = pytest.mark.django_db


def test_dashboard_lists_only_the_customers_filespaces(owner_client, owner):
    mine = FilespaceFactory(customer=owner.customer, name="mine")
    theirs = FilespaceFactory(name="theirs")

    body = owner_client.get(reverse("dashboard")).content.decode()

    assert mine.qualified_name in body
    assert theirs.qualified_name not in body


def test_dashboard_fragment_polls_while_a_filespace_is_pending_and_stops_after(owner_client, owner):
    fs = FilespaceFactory(customer=owner.customer, name="polled", status="provisioning")
    pending = owner_client.get(reverse("dashboard"), HTTP_HX_REQUEST="true").content.decode()
    assert pending.lstrip().startswith("<tbody")
    assert 'hx-trigger="every 2s"' in pending

    fs.status = "ready"
    fs.save()
    settled = owner_client.get(reverse("dashboard"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="ready"' in settled
    assert "hx-trigger" not in settled


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_query_count_does_not_grow_with_rows(owner_client, owner, rows):
    FilespaceFactory.create_batch(rows, customer=owner.customer)
    owner_client.get(reverse("dashboard"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(reverse("dashboard"))
    assert len(ctx.captured_queries) <= 8


def test_another_tenants_filespace_answers_404_on_every_page(owner_client):
    theirs = FilespaceFactory(name="secret-project")
    for url in [
        reverse("filespace_detail", args=[theirs.pk]),
        reverse("filespace_detail", args=[999999]),
    ]:
        response = owner_client.get(url)
        assert response.status_code == 404
        assert "secret-project" not in response.content.decode()


def test_ready_filespace_shows_connect_commands_without_init_for_lucidlink_storage(
    owner_client, owner
):
    fs = FilespaceFactory(customer=owner.customer, name="edit", status=Filespace.Status.READY)
    body = owner_client.get(fs.get_absolute_url()).content.decode()
    assert f"lucid link --fs {fs.qualified_name}" in body
    assert "init-s3" not in body


def test_customer_owned_storage_gets_init_s3_with_its_endpoint_and_region(owner_client, owner):
    option = storage_option("Other", "us-east-1", owner="customer", subscription_type="custom")
    fs = FilespaceFactory(
        customer=owner.customer, name="own", status="ready", storage_option=option,
        endpoint="s3.example.com:443",
    )  # fmt: skip
    body = owner_client.get(fs.get_absolute_url()).content.decode()
    assert f"lucid init-s3 --fs {fs.qualified_name}" in body
    assert "--endpoint s3.example.com:443" in body
    assert "--region us-east-1" in body
    assert "--provider Other" in body


def test_pending_filespace_page_polls_and_shows_history(owner_client, owner):
    fs = FilespaceFactory(customer=owner.customer, status="provisioning")
    body = owner_client.get(fs.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert "lucid link" not in body


def test_member_sees_but_billing_role_cannot_order(login):
    billing = MembershipFactory(role="billing")
    client = login(billing)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("filespace_order")).status_code == 403


def test_anonymous_is_sent_to_sign_in():
    from django.test import Client

    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_refused_page_explains_itself_inside_the_portal_layout(login):
    billing = MembershipFactory(role="billing")
    response = login(billing).get(reverse("filespace_order"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this." in body
    assert "Back to your filespaces" in body


def test_staff_without_an_organisation_land_in_the_admin(client):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
