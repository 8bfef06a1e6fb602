"""Usage collection: one GET /filespaces, one reading per filespace per window, harmless
to repeat, and filespaces missing upstream flagged for staff."""

from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import UpstreamMissing, UsageReading
from billing.services import collection_window, usage_collect
from provisioning.models import Filespace
from tenants.models import AuditEntry
from tests.billing.conftest import API, calls, upstream_filespace
from tests.factories import FilespaceFactory

NOW = datetime(2026, 4, 10, 14, 20, tzinfo=UTC)


def live_filespace(upstream_id, **fields):
    return FilespaceFactory(upstream_id=upstream_id, status=Filespace.Status.READY, **fields)


@pytest.mark.django_db
def test_collection_stores_every_raw_figure_once_per_window(api):
    fs = live_filespace("up-1")
    api.get(
        f"{API}/filespaces", json=[upstream_filespace("up-1", fs.name, used=5000, read=70, users=3)]
    )
    result = usage_collect(now=NOW)
    assert result.stored == 1 and result.upstream == 1
    reading = UsageReading.objects.get()
    assert reading.window_start == datetime(2026, 4, 10, 14, tzinfo=UTC)
    assert reading.taken_at == NOW
    assert (reading.used_storage, reading.filespace_size, reading.get_data_size) == (5000, 5000, 70)
    assert (reading.put_data_size, reading.get_request_count, reading.put_request_count) == (
        7,
        1,
        2,
    )
    assert (reading.list_request_count, reading.delete_request_count) == (3, 4)
    assert reading.users_count == 3 and reading.upstream_status == "provisioned"
    assert len(calls(api, "GET", "/filespaces")) == 1


@pytest.mark.django_db
def test_a_second_or_late_run_in_the_same_window_changes_nothing(api):
    fs = live_filespace("up-1")
    api.get(f"{API}/filespaces", json=[upstream_filespace("up-1", fs.name, used=1)])
    usage_collect(now=NOW)
    api.replace(
        responses.GET, f"{API}/filespaces", json=[upstream_filespace("up-1", fs.name, used=999)]
    )
    again = usage_collect(now=NOW + timedelta(minutes=30))  # late, same hour
    assert again.stored == 0
    assert list(UsageReading.objects.values_list("used_storage", "taken_at")) == [(1, NOW)]
    next_hour = usage_collect(now=NOW + timedelta(hours=1))
    assert next_hour.stored == 1
    assert UsageReading.objects.count() == 2


@pytest.mark.django_db
def test_windows_follow_the_setting(settings):
    settings.BILLING_COLLECT_SECONDS = 300
    assert collection_window(NOW) == datetime(2026, 4, 10, 14, 20, tzinfo=UTC)
    assert collection_window(NOW + timedelta(seconds=299)) == NOW


@pytest.mark.django_db
def test_a_filespace_missing_upstream_is_flagged_once_and_resolved_when_back(api):
    present = live_filespace("up-1")
    gone = live_filespace("up-2")
    deleting = live_filespace("up-3")
    Filespace.objects.filter(pk=deleting.pk).update(status=Filespace.Status.DELETING)
    api.get(f"{API}/filespaces", json=[upstream_filespace("up-1", present.name)])
    first = usage_collect(now=NOW)
    usage_collect(now=NOW + timedelta(hours=1))
    assert first.missing == 1
    flag = UpstreamMissing.objects.get()
    assert flag.filespace == gone and flag.resolved_at is None
    assert flag.first_missing_at == NOW and flag.last_missing_at == NOW + timedelta(hours=1)
    assert AuditEntry.objects.filter(action="billing.missing_upstream").count() == 1
    api.replace(
        responses.GET,
        f"{API}/filespaces",
        json=[upstream_filespace("up-1", present.name), upstream_filespace("up-2", gone.name)],
    )
    usage_collect(now=NOW + timedelta(hours=2))
    flag.refresh_from_db()
    assert flag.resolved_at == NOW + timedelta(hours=2)


@pytest.mark.django_db
def test_upstream_filespaces_we_do_not_know_are_counted_not_stored(api):
    api.get(f"{API}/filespaces", json=[upstream_filespace("stranger", "nobodys")])
    result = usage_collect(now=NOW)
    assert result.unknown == 1 and result.stored == 0


@pytest.mark.django_db
def test_a_filespace_without_stats_gets_no_false_zero_reading(api):
    fs = live_filespace("up-1")
    item = upstream_filespace("up-1", fs.name, status="provisioning")
    item.pop("stats")
    api.get(f"{API}/filespaces", json=[item])
    assert usage_collect(now=NOW).stored == 0


@pytest.mark.django_db
def test_collection_statements_do_not_grow_with_the_filespaces(api):
    items = []
    api.get(f"{API}/filespaces", json=items)

    def run(count, hour):
        for n in range(count):
            fs = live_filespace(f"up-{hour}-{n}")
            items.append(upstream_filespace(fs.upstream_id, fs.name, used=n))
        api.replace(responses.GET, f"{API}/filespaces", json=list(items))
        with CaptureQueriesContext(connection) as ctx:
            result = usage_collect(now=NOW + timedelta(hours=hour))
        assert result.stored == len(items)
        return len(ctx.captured_queries)

    assert run(3, 0) == run(300, 1)
