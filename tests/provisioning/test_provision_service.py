"""Creating a filespace upstream exactly once, whatever the network does (HTTP mocked)."""

import json
from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from provisioning import services
from provisioning.models import Filespace
from tenants.models import AuditEntry
from tests.factories import FilespaceFactory
from tests.provisioning.conftest import API, calls, upstream_filespace

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(lucidlink_settings):
    return FilespaceFactory(name="footage", domain_name="unit-domain")


def test_first_attempt_posts_once_and_records_the_upstream_id(api, order):
    api.post(f"{API}/filespaces", json=upstream_filespace("footage"), status=201)

    outcome = services.filespace_provision(filespace_id=order.pk)

    order.refresh_from_db()
    assert outcome.retry_in is None
    assert order.status == Filespace.Status.PROVISIONING
    assert order.upstream_id == "up-1"
    assert order.lease_until is None
    body = json.loads(calls(api, "POST", "/filespaces")[0].request.body)
    assert body["name"] == "footage"
    assert body["domain"] == "dom-1"
    assert body["storage"] == {"provider": "Wasabi", "owner": "lucidlink", "region": "eu-central-1"}
    assert not calls(api, "GET", "/filespaces"), "a first attempt has nothing to look up"


def test_timeout_is_retried_with_a_lookup_and_adopts_the_committed_filespace(api, order):
    api.post(f"{API}/filespaces", body=requests.exceptions.ReadTimeout("slow"))

    first = services.filespace_provision(filespace_id=order.pk)
    assert first.retry_in is not None and first.retry_in > 0
    order.refresh_from_db()
    assert order.status == Filespace.Status.ORDERED
    assert order.create_attempts == 1

    # The POST had in fact been committed upstream: the retry must find it, not POST again.
    api.get(f"{API}/filespaces", json=[upstream_filespace("footage", fs_id="up-7")])
    second = services.filespace_provision(filespace_id=order.pk)

    order.refresh_from_db()
    assert second.retry_in is None
    assert order.upstream_id == "up-7"
    assert order.status == Filespace.Status.PROVISIONING
    assert len(calls(api, "POST", "/filespaces")) == 1
    lookup = calls(api, "GET", "/filespaces")[0].request
    assert "qualifiedName=footage.unit-domain" in lookup.url


def test_retry_after_5xx_posts_again_when_the_lookup_finds_nothing(api, order):
    api.post(f"{API}/filespaces", json={"status": 503, "message": "busy"}, status=503)
    assert services.filespace_provision(filespace_id=order.pk).retry_in is not None

    api.replace(responses.POST, f"{API}/filespaces", json=upstream_filespace("footage"), status=201)
    api.get(f"{API}/filespaces", json=[])
    assert services.filespace_provision(filespace_id=order.pk).retry_in is None

    order.refresh_from_db()
    assert order.upstream_id == "up-1"
    assert len(calls(api, "POST", "/filespaces")) == 2


def test_rate_limit_retries_after_the_servers_wait_without_sleeping(api, order):
    api.post(
        f"{API}/filespaces",
        json={"status": 429, "message": "slow down"},
        status=429,
        headers={"Retry-After": "17"},
    )
    outcome = services.filespace_provision(filespace_id=order.pk)
    assert outcome.retry_in == pytest.approx(17, abs=1)
    order.refresh_from_db()
    assert order.status == Filespace.Status.ORDERED
    assert order.next_attempt_at is not None


def test_409_on_a_first_attempt_means_the_name_is_someone_elses(api, order):
    api.post(f"{API}/filespaces", json={"status": 409, "message": "exists"}, status=409)
    api.get(f"{API}/filespaces", json=[upstream_filespace("footage", fs_id="foreign")])

    services.filespace_provision(filespace_id=order.pk)

    order.refresh_from_db()
    assert order.status == Filespace.Status.ERROR
    assert order.upstream_id is None
    assert "already taken" in order.error_message
    assert "foreign" in order.error_detail
    assert "foreign" not in order.error_message


def test_422_ends_the_order_in_error_with_a_readable_message(api, order):
    api.post(f"{API}/filespaces", json={"status": 422, "message": "disabled"}, status=422)

    services.filespace_provision(filespace_id=order.pk)

    order.refresh_from_db()
    assert order.status == Filespace.Status.ERROR
    assert "region" in order.error_message
    entry = AuditEntry.objects.filter(action="filespace.status", object_id=str(order.pk)).get()
    assert entry.after == {"status": "error"}
    assert entry.actor_kind == AuditEntry.ActorKind.UPSTREAM


def test_a_live_lease_keeps_a_second_worker_away(api, order):
    order.lease_until = timezone.now() + timedelta(seconds=30)
    order.save()

    outcome = services.filespace_provision(filespace_id=order.pk)

    assert outcome.retry_in is not None and outcome.retry_in > 25
    assert not api.calls or all("/filespaces" not in c.request.url for c in api.calls)


def test_running_again_after_success_does_nothing(api, order):
    api.post(f"{API}/filespaces", json=upstream_filespace("footage"), status=201)
    services.filespace_provision(filespace_id=order.pk)
    services.filespace_provision(filespace_id=order.pk)
    assert len(calls(api, "POST", "/filespaces")) == 1


def test_status_round_refreshes_every_pending_filespace_with_one_call(api, lucidlink_settings):
    pending = [
        FilespaceFactory(status="provisioning", upstream_id=f"up-{i}", domain_name="unit-domain")
        for i in range(5)
    ]
    api.get(
        f"{API}/filespaces",
        json=[
            upstream_filespace(fs.name, fs_id=fs.upstream_id, status="provisioned")
            for fs in pending[:3]
        ]
        + [upstream_filespace(fs.name, fs_id=fs.upstream_id) for fs in pending[3:]],
    )

    result = services.filespace_status_round()

    assert len(calls(api, "GET", "/filespaces")) == 1
    assert result.pending == 2
    statuses = sorted(Filespace.objects.values_list("status", flat=True))
    assert statuses == ["provisioning"] * 2 + ["ready"] * 3
    assert all(fs.provisioned_at for fs in Filespace.objects.filter(status="ready"))


def test_status_round_flags_a_filespace_missing_upstream(api, lucidlink_settings):
    fs = FilespaceFactory(status="provisioning", upstream_id="gone", domain_name="unit-domain")
    api.get(f"{API}/filespaces", json=[])

    services.filespace_status_round()

    fs.refresh_from_db()
    assert fs.upstream_missing_since is not None
    assert fs.status == Filespace.Status.PROVISIONING


def test_provisioning_past_the_limit_goes_to_error_for_staff(api, lucidlink_settings, settings):
    settings.PROVISIONING_TIMEOUT = timedelta(minutes=10)
    fs = FilespaceFactory(status="provisioning", upstream_id="slow", domain_name="unit-domain")
    Filespace.objects.filter(pk=fs.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    api.get(f"{API}/filespaces", json=[upstream_filespace(fs.name, fs_id="slow")])

    services.filespace_status_round()

    fs.refresh_from_db()
    assert fs.status == Filespace.Status.ERROR
    assert "0:10:00" in fs.error_detail


def test_upstream_error_status_becomes_error(api, lucidlink_settings):
    fs = FilespaceFactory(status="provisioning", upstream_id="bad", domain_name="unit-domain")
    api.get(f"{API}/filespaces", json=[upstream_filespace(fs.name, fs_id="bad", status="error")])

    services.filespace_status_round()

    fs.refresh_from_db()
    assert fs.status == Filespace.Status.ERROR
    assert fs.error_message


def test_stalled_orders_are_found_for_the_safety_net(lucidlink_settings):
    old = FilespaceFactory()
    Filespace.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    FilespaceFactory()  # just ordered: its message is surely still in flight
    assert services.filespace_stalled_ids() == [old.pk]


def test_status_round_leaves_settled_filespaces_alone(api, lucidlink_settings):
    settled = FilespaceFactory(
        status="ready", upstream_id="calm", upstream_status="provisioned", domain_name="unit-domain"
    )
    before = settled.updated_at
    api.get(f"{API}/filespaces", json=[upstream_filespace(settled.name, fs_id="calm",
                                                          status="provisioned")])  # fmt: skip

    result = services.filespace_status_round()

    settled.refresh_from_db()
    assert result.changed == 0
    assert settled.updated_at == before


def test_status_round_clears_the_missing_flag_when_the_filespace_reappears(api, lucidlink_settings):
    fs = FilespaceFactory(
        status="ready", upstream_id="back", upstream_status="provisioned",
        upstream_missing_since=timezone.now(), domain_name="unit-domain",
    )  # fmt: skip
    api.get(f"{API}/filespaces", json=[upstream_filespace(fs.name, fs_id="back",
                                                          status="provisioned")])  # fmt: skip

    services.filespace_status_round()

    fs.refresh_from_db()
    assert fs.upstream_missing_since is None


def test_initialized_upstream_is_followed_from_ready(api, lucidlink_settings):
    fs = FilespaceFactory(
        status="ready", upstream_id="init", upstream_status="provisioned", domain_name="unit-domain"
    )
    api.get(f"{API}/filespaces", json=[upstream_filespace(fs.name, fs_id="init",
                                                          status="initialized")])  # fmt: skip

    services.filespace_status_round()

    fs.refresh_from_db()
    assert fs.status == Filespace.Status.INITIALIZED


def _typed(name, fs_id="up-1"):
    from provisioning.lucidlink import types

    storage = types.Storage(provider="Wasabi", owner="lucidlink", region="eu-central-1")
    return types.Filespace(
        id=fs_id, domain="dom-1", name=name, status="provisioning", subscription_type="basic",
        users_count=0, storage=storage, stats=None, version=3,
    )  # fmt: skip


class _FakeBase:
    def find_domain(self, name):
        from provisioning.lucidlink import types

        return types.Domain(id="dom-1", name=name)


def test_a_worker_whose_lease_ran_out_does_not_undo_the_attempt_that_took_over(
    lucidlink_settings,
):
    from provisioning.lucidlink.errors import Conflict

    order = FilespaceFactory(name="footage", domain_name="unit-domain")
    t0 = timezone.now()

    class Second(_FakeBase):
        def find_filespace(self, qualified_name):
            return None

        def create_filespace(self, **kwargs):
            return _typed("footage")

    class First(_FakeBase):
        def find_filespace(self, qualified_name):
            return _typed("footage")

        def create_filespace(self, **kwargs):
            # While this POST hangs past the lease, another worker takes the order over.
            later = t0 + timedelta(hours=1)
            services.filespace_provision(filespace_id=order.pk, client=Second(), now=later)
            raise Conflict("name taken", status=409)

    outcome = services.filespace_provision(filespace_id=order.pk, client=First(), now=t0)

    order.refresh_from_db()
    assert outcome == services.SUPERSEDED
    assert order.upstream_id == "up-1"
    assert order.status == Filespace.Status.PROVISIONING, order.error_message


def test_an_order_the_api_keeps_refusing_ends_in_error_for_staff_after_the_limit(
    lucidlink_settings, settings
):
    from provisioning.lucidlink.errors import Unavailable

    settings.PROVISIONING_TIMEOUT = timedelta(minutes=30)
    order = FilespaceFactory(name="footage", domain_name="unit-domain")

    class Down(_FakeBase):
        def find_filespace(self, qualified_name):
            raise Unavailable("503", status=503)

        def create_filespace(self, **kwargs):
            raise Unavailable("503", status=503)

    now = timezone.now()
    for _ in range(60):
        outcome = services.filespace_provision(filespace_id=order.pk, client=Down(), now=now)
        if outcome.retry_in is None:
            break
        now += timedelta(seconds=outcome.retry_in + 1)

    order.refresh_from_db()
    assert order.status == Filespace.Status.ERROR
    assert "staff" in order.error_message
    assert "looks the name up" in order.error_detail
    assert now - order.created_at > settings.PROVISIONING_TIMEOUT


def test_the_domain_id_is_not_reused_after_switching_api_or_domain(lucidlink_settings):
    from unittest import mock

    from provisioning.lucidlink import types
    from provisioning.upstream import domain_id

    sim = mock.Mock()
    sim.find_domain.return_value = types.Domain(id="simulator-id", name="unit-domain")
    assert domain_id(sim) == "simulator-id"

    lucidlink_settings.LUCIDLINK_API_URL = "https://api.lucidlink.com/api/v1"
    lucidlink_settings.LUCIDLINK_DOMAIN = "real-domain"
    real = mock.Mock()
    real.find_domain.return_value = types.Domain(id="real-id", name="real-domain")
    assert domain_id(real) == "real-id"


def test_success_after_a_failed_attempt_clears_the_staff_detail(api, order):
    api.post(f"{API}/filespaces", json={"status": 503, "message": "busy"}, status=503)
    services.filespace_provision(filespace_id=order.pk)
    order.refresh_from_db()
    assert "503" in order.error_detail

    api.replace(responses.POST, f"{API}/filespaces", json=upstream_filespace("footage"), status=201)
    api.get(f"{API}/filespaces", json=[])
    services.filespace_provision(filespace_id=order.pk)

    order.refresh_from_db()
    assert order.error_detail == ""
