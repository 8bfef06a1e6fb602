"""Tasks: each calls one service; upstream trouble becomes a retry, not a crash."""

from unittest import mock

import pytest

from billing import tasks
from billing.models import UsageReading
from provisioning.lucidlink.errors import Unavailable
from provisioning.models import Filespace
from tests.billing.conftest import API, upstream_filespace
from tests.factories import FilespaceFactory


@pytest.mark.django_db
def test_collect_task_stores_readings(api):
    fs = FilespaceFactory(upstream_id="up-1", status=Filespace.Status.READY)
    api.get(f"{API}/filespaces", json=[upstream_filespace("up-1", fs.name, used=3)])
    assert "1 stored" in tasks.usage_collect.apply().get()
    assert UsageReading.objects.get().used_storage == 3


@pytest.mark.django_db
def test_collect_task_retries_when_lucidlink_is_down():
    with (
        mock.patch("billing.services.usage_collect", side_effect=Unavailable("down")),
        mock.patch.object(tasks.usage_collect, "retry", side_effect=RuntimeError("retry")) as retry,
        pytest.raises(RuntimeError),
    ):
        tasks.usage_collect.apply(throw=True).get()
    assert retry.call_args.kwargs["countdown"] == 60


@pytest.mark.django_db
def test_close_task_with_nothing_to_close():
    assert tasks.period_close_due.apply().get() == ""
