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


def test_billing_schedules_are_declared_and_name_real_tasks(settings):
    from portal.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "billing.tasks.usage_collect",
        "billing.tasks.period_close_due",
        "billing.tasks.upstream_invoices_pull",
    ):
        assert task in names and task in app.tasks


@pytest.mark.django_db
def test_every_billing_admin_page_opens(client):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in (
        "priceplan", "customerpriceplan", "usagereading", "upstreammissing", "invoice",
        "periodclose", "upstreaminvoice",
    ):  # fmt: skip
        assert client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200
    for name in ("billing_reconciliation", "billing_invoice_export", "billing_invoice_close"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
