"""Every admin action goes through a service, lands in the audit log, and queues long
work for Celery."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from provisioning.models import Filespace
from tenants.models import AuditEntry, Customer
from tests.factories import CustomerFactory, FilespaceFactory

pytestmark = pytest.mark.django_db

FILESPACES = "admin:provisioning_filespace_changelist"
CUSTOMERS = "admin:tenants_customer_changelist"


def act(client, changelist, action, objs, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objs], **extra}
    return client.post(reverse(changelist), data)


def test_retry_reorders_a_failed_order_and_keeps_its_attempt_count(
    staff_client, staff_user, queued, django_capture_on_commit_callbacks, lucidlink_settings
):
    failed = FilespaceFactory(
        status="error", create_attempts=2, error_message="boom", lease_until=None
    )
    never_tried = FilespaceFactory(status="error", create_attempts=0)
    fine = FilespaceFactory(status="ready", upstream_id="up-ok")

    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, FILESPACES, "retry", [failed, never_tried, fine])

    assert response.status_code == 302
    failed.refresh_from_db()
    fine.refresh_from_db()
    assert failed.status == Filespace.Status.ORDERED
    # A POST was attempted before: the next attempt must look the name up first.
    assert failed.create_attempts == 2
    assert failed.error_message == ""
    assert fine.status == Filespace.Status.READY
    assert sorted(queued) == sorted([("provision", (failed.pk,)), ("provision", (never_tried.pk,))])
    entry = AuditEntry.objects.get(action="filespace.status", object_id=str(failed.pk))
    assert (entry.actor, entry.actor_kind) == (staff_user, "staff")
    assert entry.before == {"status": "error"} and entry.after == {"status": "ordered"}


def test_retry_of_a_failed_filespace_known_upstream_refreshes_its_status(
    staff_client, queued, django_capture_on_commit_callbacks
):
    known = FilespaceFactory(status="error", upstream_id="up-7", error_message="timed out")
    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, FILESPACES, "retry", [known])
    known.refresh_from_db()
    assert known.status == Filespace.Status.PROVISIONING
    assert queued == [("round", ())]


def test_retry_of_a_stuck_deletion_tries_again(
    staff_client, queued, django_capture_on_commit_callbacks
):
    stuck = FilespaceFactory(status="deleting", upstream_id="up-8", delete_attempts=30)
    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, FILESPACES, "retry", [stuck])
    stuck.refresh_from_db()
    assert stuck.delete_attempts == 0
    assert queued == [("delete", (stuck.pk,))]
    assert AuditEntry.objects.filter(action="filespace.delete_retried").exists()


def test_refresh_now_queues_one_status_round_for_any_selection(
    staff_client, queued, django_capture_on_commit_callbacks
):
    many = FilespaceFactory.create_batch(5, status="provisioning")
    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, FILESPACES, "refresh_status", many)
    assert queued == [("round", ())]
    assert AuditEntry.objects.filter(action="filespace.refresh_requested").count() == 5


def test_collect_usage_now_queues_the_billing_collection(staff_client, staff_user, queued):
    fs = FilespaceFactory(status="ready")
    act(staff_client, FILESPACES, "collect_usage", [fs])
    assert queued == [("billing.tasks.usage_collect", ())]
    entry = AuditEntry.objects.get(action="usage.collect_requested")
    assert entry.actor == staff_user


def test_suspend_asks_for_a_reason_then_suspends_through_the_service(staff_client, staff_user):
    customers = CustomerFactory.create_batch(2)

    confirm = act(staff_client, CUSTOMERS, "suspend", customers)
    assert confirm.status_code == 200
    assert "Reason" in confirm.content.decode()
    assert not Customer.objects.filter(is_suspended=True).exists()

    act(staff_client, CUSTOMERS, "suspend", customers, confirmed="yes", reason="Unpaid invoice")

    assert Customer.objects.filter(is_suspended=True).count() == 2
    entries = AuditEntry.objects.filter(action="customer.suspended")
    assert entries.count() == 2
    assert {e.message for e in entries} == {"Unpaid invoice"}
    assert {e.actor for e in entries} == {staff_user}


def test_suspend_works_on_every_row_with_select_across(staff_client):
    CustomerFactory.create_batch(3)
    act(
        staff_client, CUSTOMERS, "suspend", Customer.objects.all()[:1],
        select_across="1", confirmed="yes", reason="",
    )  # fmt: skip
    assert Customer.objects.filter(is_suspended=True).count() == 3


def test_unsuspend_lifts_the_suspension(staff_client):
    customer = CustomerFactory(is_suspended=True, suspended_reason="x")
    act(staff_client, CUSTOMERS, "unsuspend", [customer])
    customer.refresh_from_db()
    assert not customer.is_suspended
    assert AuditEntry.objects.filter(action="customer.unsuspended").exists()


def test_export_streams_the_selected_rows_as_csv_and_records_it(staff_client, staff_user):
    chosen = FilespaceFactory(name="chosen", upstream_id="up-c", status="ready")
    FilespaceFactory(name="other")
    response = act(staff_client, FILESPACES, "export_csv", [chosen])

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "qualified_name", "customer"]
    assert len(rows) == 2
    assert rows[1][1] == chosen.qualified_name
    assert rows[1][6] == "up-c"
    assert AuditEntry.objects.get(action="admin.exported_csv").actor == staff_user


def test_csv_export_defuses_spreadsheet_formulas(staff_client):
    customer = CustomerFactory(name='=HYPERLINK("http://evil")')
    response = act(staff_client, CUSTOMERS, "export_csv", [customer])
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_editing_a_customers_limit_goes_through_the_service_and_is_audited(
    staff_client, staff_user
):
    customer = CustomerFactory(name="Acme")
    response = staff_client.post(
        reverse("admin:tenants_customer_change", args=[customer.pk]),
        {
            "name": "Acme",
            "max_filespaces": "3",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.max_filespaces == 3
    entry = AuditEntry.objects.get(action="customer.updated")
    assert entry.before == {"max_filespaces": None}
    assert entry.after == {"max_filespaces": 3}
    assert entry.actor == staff_user


def test_portal_settings_edit_sets_the_default_limit(staff_client):
    page = staff_client.get(reverse("admin:tenants_portalsettings_changelist"))
    assert page.status_code == 302
    response = staff_client.post(page.url, {"default_max_filespaces": "7"})
    assert response.status_code == 302
    assert CustomerFactory().filespace_limit == 7
    assert AuditEntry.objects.filter(action="portal_settings.updated").exists()


def test_withdrawing_invitations_goes_through_the_service(staff_client, staff_user):
    from tenants import services
    from tenants.models import Invitation
    from tests.factories import MembershipFactory

    owner = MembershipFactory(role="owner")
    invitation, _ = services.invitation_create(
        customer=owner.customer, email="x@example.com", role="member", actor=owner.user,
        actor_membership=owner,
    )  # fmt: skip
    act(staff_client, "admin:tenants_invitation_changelist", "revoke", [invitation])
    assert Invitation.objects.get().revoked_at is not None
    entry = AuditEntry.objects.get(action="invitation.revoked")
    assert (entry.actor, entry.actor_kind) == (staff_user, "staff")


def test_storage_option_edits_are_audited(staff_client, staff_user):
    from tests.factories import storage_option

    option = storage_option()
    response = staff_client.post(
        reverse("admin:provisioning_storageoption_change", args=[option.pk]),
        {
            "provider": option.provider, "region": option.region, "owner": option.owner,
            "subscription_type": option.subscription_type, "label": "Renamed",
            "enabled": "", "sort_order": option.sort_order,
        },
    )  # fmt: skip
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="storage_option.updated")
    assert entry.actor == staff_user
    assert entry.after["label"] == "Renamed"
    assert entry.before["label"] == option.label


def test_retry_of_a_large_selection_goes_to_celery_in_batches(
    staff_client, staff_user, monkeypatch, lucidlink_settings
):
    from provisioning import admin as provisioning_admin
    from provisioning import tasks
    from provisioning.models import Filespace

    monkeypatch.setattr(provisioning_admin, "RETRY_INLINE_LIMIT", 3)
    monkeypatch.setattr(provisioning_admin, "RETRY_BATCH_SIZE", 2)
    batches = []
    monkeypatch.setattr(tasks.filespace_retry_batch, "delay", lambda ids, actor: batches.append(
        (ids, actor)))  # fmt: skip
    stuck = FilespaceFactory.create_batch(5, status="error")

    response = act(staff_client, FILESPACES, "retry", stuck)

    assert response.status_code == 302
    assert sorted(i for ids, _ in batches for i in ids) == sorted(fs.pk for fs in stuck)
    assert [len(ids) for ids, _ in batches] == [2, 2, 1]
    assert {actor for _, actor in batches} == {staff_user.pk}
    assert Filespace.objects.filter(status="error").count() == 5  # nothing done in the request


def test_the_retry_batch_task_retries_each_filespace_as_the_staff_member(
    staff_user, queued, lucidlink_settings, django_capture_on_commit_callbacks
):
    from provisioning.models import Filespace
    from provisioning.tasks import filespace_retry_batch
    from tenants.models import AuditEntry

    stuck = FilespaceFactory.create_batch(3, status="error", create_attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        filespace_retry_batch([fs.pk for fs in stuck], staff_user.pk)

    assert Filespace.objects.filter(status="ordered").count() == 3
    assert AuditEntry.objects.filter(
        actor=staff_user, object_type="provisioning.filespace"
    ).exists()


def test_the_admin_will_not_delete_the_last_owner_and_says_why(staff_client):
    from tenants.models import Membership
    from tests.factories import MembershipFactory

    owner = MembershipFactory(role=Membership.Role.OWNER)
    url = reverse("admin:tenants_membership_delete", args=[owner.pk])

    response = staff_client.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "owner" in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()
    second = MembershipFactory(customer=owner.customer, role=Membership.Role.OWNER)
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=owner.pk).exists()
    assert Membership.objects.filter(pk=second.pk).exists()


def test_audit_export_writes_before_and_after_as_json(staff_client, staff_user):
    import json

    customer = CustomerFactory()
    entry = AuditEntry.objects.create(
        customer=customer, actor_kind="staff", action="customer.suspended",
        object_type="tenants.customer", object_id=str(customer.pk), object_repr=customer.name,
        before={"is_suspended": False}, after={"is_suspended": True},
    )  # fmt: skip
    response = act(staff_client, "admin:tenants_auditentry_changelist", "export_csv", [entry])

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert json.loads(rows[0]["before"]) == {"is_suspended": False}
    assert json.loads(rows[0]["after"]) == {"is_suspended": True}


def test_the_admins_history_button_opens_the_audit_log_of_the_object(staff_client):
    fs = FilespaceFactory()
    customer = fs.customer

    filespace_history = staff_client.get(
        reverse("admin:provisioning_filespace_history", args=[fs.pk])
    )
    customer_history = staff_client.get(
        reverse("admin:tenants_customer_history", args=[customer.pk])
    )

    assert filespace_history.status_code == 302
    assert "object_type=provisioning.filespace" in filespace_history.url
    assert f"object_id={fs.pk}" in filespace_history.url
    assert customer_history.status_code == 302
    assert f"customer__id__exact={customer.pk}" in customer_history.url
