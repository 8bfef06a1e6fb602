"""Deleting a filespace: typed confirmation, owners and admins only, waiting through 409
while LucidLink still provisions, and the row kept with its name free again."""

import pytest
from django.urls import reverse

from provisioning import services, tasks
from provisioning.models import Filespace
from tenants.models import AuditEntry
from tests.factories import FilespaceFactory, MembershipFactory
from tests.provisioning.conftest import API, calls

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """What would be sent to the broker, by task name."""
    sent = []

    def capture(name):
        def record(args=(), kwargs=None, countdown=None, **options):
            sent.append((name, tuple(args), countdown))

        return record

    monkeypatch.setattr(tasks.filespace_delete_upstream, "apply_async", capture("delete"))
    monkeypatch.setattr(
        tasks.filespace_delete_upstream, "delay", lambda *a: sent.append(("delete", a, None))
    )
    monkeypatch.setattr(
        tasks.filespace_provision, "delay", lambda *a: sent.append(("provision", a, None))
    )
    monkeypatch.setattr(
        tasks.filespace_status_round, "delay", lambda *a: sent.append(("round", a, None))
    )
    return sent


@pytest.fixture
def ready(owner, lucidlink_settings):
    return FilespaceFactory(
        customer=owner.customer, name="footage", domain_name="unit-domain", status="ready",
        upstream_id="up-1", upstream_status="provisioned",
    )  # fmt: skip


def delete(client, filespace, confirm=None):
    return client.post(
        reverse("filespace_delete", args=[filespace.pk]),
        {"confirm_name": filespace.name if confirm is None else confirm},
    )


def test_owner_deletes_through_a_409_then_the_row_stays_deleted_and_the_name_is_free(
    owner_client, owner, ready, api, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(owner_client, ready)

    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Filespace.Status.DELETING
    assert queued == [("delete", (ready.pk,), None)]
    asked_at = ready.usage_ends_at
    assert asked_at is not None  # billing stops here, whenever LucidLink confirms

    # LucidLink still provisioning: 409, the filespace waits and asks to be retried.
    api.delete(f"{API}/filespaces/up-1", status=409, json={"status": 409, "message": "busy"})
    outcome = services.filespace_delete_upstream(filespace_id=ready.pk)
    ready.refresh_from_db()
    assert outcome.retry_in is not None and 0 < outcome.retry_in <= 3
    assert ready.status == Filespace.Status.DELETING
    assert ready.delete_attempts == 1
    assert "409" in ready.error_detail

    api.replace("DELETE", f"{API}/filespaces/up-1", status=204)
    outcome = services.filespace_delete_upstream(filespace_id=ready.pk)

    ready.refresh_from_db()
    assert outcome.retry_in is None
    assert ready.status == Filespace.Status.DELETED
    assert ready.deleted_at is not None
    assert ready.usage_ends_at == asked_at
    assert len(calls(api, "DELETE", "/filespaces/up-1")) == 2
    statuses = [
        (e.before.get("status"), e.after.get("status"), e.actor_kind)
        for e in AuditEntry.objects.filter(action="filespace.status").order_by("id")
    ]
    assert statuses == [("ready", "deleting", "customer"), ("deleting", "deleted", "task")]
    assert AuditEntry.objects.filter(action="filespace.delete_requested", actor=owner.user).exists()
    # The name is free again; the old row is kept for billing history.
    FilespaceFactory(name="footage", domain_name="unit-domain")
    assert Filespace.objects.filter(name="footage").count() == 2


def test_the_backoff_grows_and_is_bounded(ready, api, settings):
    settings.PROVISIONING_MAX_BACKOFF = 10
    ready.status = Filespace.Status.DELETING
    ready.save()
    api.delete(f"{API}/filespaces/up-1", status=409, json={"status": 409, "message": "busy"})
    waits = [services.filespace_delete_upstream(filespace_id=ready.pk).retry_in for _ in range(8)]
    assert waits[3] > waits[0]
    assert max(waits) <= 10 * 1.2


def test_it_gives_up_after_the_last_attempt_and_staff_can_retry(ready, api, queued, monkeypatch):
    monkeypatch.setattr(services, "DELETE_MAX_ATTEMPTS", 3)
    ready.status = Filespace.Status.DELETING
    ready.save()
    api.delete(f"{API}/filespaces/up-1", status=503, json={"status": 503, "message": "down"})
    outcomes = [services.filespace_delete_upstream(filespace_id=ready.pk) for _ in range(4)]
    assert [o.retry_in is None for o in outcomes] == [False, False, True, True]
    assert len(calls(api, "DELETE", "/filespaces/up-1")) == 3
    ready.refresh_from_db()
    assert "gave up" in ready.error_detail

    result = services.filespace_retry(filespace_id=ready.pk, actor=None)

    ready.refresh_from_db()
    assert result.redeleting
    assert ready.delete_attempts == 0


def test_rate_limit_waits_as_long_as_the_service_asks(ready, api):
    ready.status = Filespace.Status.DELETING
    ready.save()
    api.delete(
        f"{API}/filespaces/up-1", status=429, headers={"Retry-After": "7"},
        json={"status": 429, "message": "slow down"},
    )  # fmt: skip
    assert services.filespace_delete_upstream(filespace_id=ready.pk).retry_in == 7


def test_already_gone_upstream_counts_as_deleted(ready, api):
    ready.status = Filespace.Status.DELETING
    ready.save()
    api.delete(f"{API}/filespaces/up-1", status=404, json={"status": 404, "message": "no"})
    services.filespace_delete_upstream(filespace_id=ready.pk)
    ready.refresh_from_db()
    assert ready.status == Filespace.Status.DELETED


def test_running_the_task_again_after_deletion_does_nothing(ready, api):
    ready.status = Filespace.Status.DELETED
    ready.save()
    outcome = services.filespace_delete_upstream(filespace_id=ready.pk)
    assert outcome.reason.startswith("nothing to do")
    assert not calls(api, "DELETE", "/filespaces/up-1")


def test_a_filespace_never_created_upstream_is_deleted_at_once(owner_client, owner, queued):
    failed = FilespaceFactory(
        customer=owner.customer, status="error", error_message="Region disabled"
    )
    response = delete(owner_client, failed)
    failed.refresh_from_db()
    assert response.status_code == 302
    assert failed.status == Filespace.Status.DELETED
    assert failed.deleted_at is not None
    assert queued == []


def test_an_order_not_yet_sent_is_deleted_at_once(owner_client, owner, queued):
    order = FilespaceFactory(customer=owner.customer, status="ordered", create_attempts=0)
    delete(owner_client, order)
    order.refresh_from_db()
    assert order.status == Filespace.Status.DELETED
    # The queued provisioning task finds nothing to do.
    assert services.filespace_provision(filespace_id=order.pk).reason.startswith("nothing")


def test_an_order_whose_create_call_may_be_in_flight_is_refused_with_a_reason(
    owner_client, owner, queued
):
    order = FilespaceFactory(customer=owner.customer, status="ordered", create_attempts=1)
    response = delete(owner_client, order)
    order.refresh_from_db()
    assert response.status_code == 422
    assert "still being set up" in response.content.decode()
    assert order.status == Filespace.Status.ORDERED


def test_the_wrong_name_deletes_nothing(owner_client, ready, queued):
    response = delete(owner_client, ready, confirm="something-else")
    ready.refresh_from_db()
    assert response.status_code == 422
    assert "to confirm" in response.content.decode()
    assert ready.status == Filespace.Status.READY
    assert queued == []


@pytest.mark.parametrize("role", ["member", "billing"])
def test_members_and_billing_cannot_delete(login, ready, role, queued):
    person = MembershipFactory(customer=ready.customer, role=role)
    client = login(person)
    assert client.get(reverse("filespace_delete", args=[ready.pk])).status_code == 403
    assert delete(client, ready).status_code == 403
    ready.refresh_from_db()
    assert ready.status == Filespace.Status.READY


def test_admin_role_may_delete(login, ready, queued):
    admin = MembershipFactory(customer=ready.customer, role="admin")
    assert delete(login(admin), ready).status_code == 302


def test_another_tenants_filespace_answers_404(owner_client, queued, lucidlink_settings):
    theirs = FilespaceFactory(name="not-yours", status="ready", upstream_id="up-x")
    assert owner_client.get(reverse("filespace_delete", args=[theirs.pk])).status_code == 404
    response = delete(owner_client, theirs)
    assert response.status_code == 404
    assert "not-yours" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == Filespace.Status.READY


def test_the_detail_page_offers_deletion_only_to_roles_that_may(login, ready):
    url = ready.get_absolute_url()
    delete_url = reverse("filespace_delete", args=[ready.pk])
    owner_page = login(MembershipFactory(customer=ready.customer, role="owner")).get(url)
    assert delete_url in owner_page.content.decode()
    member_page = login(MembershipFactory(customer=ready.customer, role="member")).get(url)
    assert delete_url not in member_page.content.decode()


def test_the_status_round_leaves_a_deletion_alone(ready, api):
    ready.status = Filespace.Status.DELETING
    ready.save()
    api.get(f"{API}/filespaces", json=[])
    services.filespace_status_round()
    ready.refresh_from_db()
    assert ready.status == Filespace.Status.DELETING


def test_lost_deletion_messages_are_found_by_the_safety_net(ready, queued):
    from datetime import timedelta

    from django.utils import timezone

    ready.status = Filespace.Status.DELETING
    ready.next_attempt_at = timezone.now() - timedelta(minutes=5)
    ready.save()
    assert tasks.filespace_resume_stalled_deletions() == 1
    assert queued == [("delete", (ready.pk,), None)]
