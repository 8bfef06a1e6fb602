"""Emails: filespace ready, filespace failed, invitation, invoice issued."""

import pytest

from provisioning import services
from tenants import notifications
from tests.factories import FilespaceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(owner):
    return {
        "owner": owner,
        "admin": MembershipFactory(customer=owner.customer, role="admin"),
        "member": MembershipFactory(customer=owner.customer, role="member"),
        "billing": MembershipFactory(customer=owner.customer, role="billing"),
    }


def emails(*memberships):
    return sorted(m.user.email for m in memberships)


def test_ready_is_sent_after_commit_to_managers_and_whoever_ordered(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    fs = FilespaceFactory(
        customer=team["owner"].customer, status="provisioning", ordered_by=team["member"].user
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.filespace_transition(filespace=fs, to="ready", cause="upstream")
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert fs.qualified_name in message.subject
    assert "ready" in message.subject
    assert sorted(message.to) == emails(team["owner"], team["admin"], team["member"])
    assert fs.get_absolute_url() in message.body


def test_failed_tells_the_customer_message_but_not_the_staff_detail(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    fs = FilespaceFactory(customer=team["owner"].customer, status="ordered")
    fs.error_message = "LucidLink is not creating filespaces in this region right now."
    fs.error_detail = "422 trace id abc-internal"
    with django_capture_on_commit_callbacks(execute=True):
        services.filespace_transition(
            filespace=fs, to="error", cause="upstream", extra_fields=("error_message",)
        )
    assert len(mailoutbox) == 1
    assert "could not be set up" in mailoutbox[0].subject
    assert "not creating filespaces in this region" in mailoutbox[0].body
    assert "abc-internal" not in mailoutbox[0].body


def test_other_transitions_send_nothing(team, mailoutbox, django_capture_on_commit_callbacks):
    fs = FilespaceFactory(customer=team["owner"].customer, status="ordered")
    with django_capture_on_commit_callbacks(execute=True):
        services.filespace_transition(filespace=fs, to="provisioning", cause="task")
    assert mailoutbox == []


def test_invoice_issued_goes_to_the_roles_that_see_billing(team, mailoutbox):
    invoice = type(
        "Invoice", (), {"customer": team["owner"].customer, "__str__": lambda s: "INV-7"}
    )()

    assert notifications.notify_invoice_issued(invoice) == 1

    assert sorted(mailoutbox[0].to) == emails(team["owner"], team["admin"], team["billing"])
    assert "INV-7" in mailoutbox[0].subject


def test_a_mail_server_failure_is_logged_not_raised(team, settings, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    fs = FilespaceFactory(customer=team["owner"].customer, status="ready")
    assert notifications.notify_filespace_ready(fs) == 0
    assert "Could not send" in caplog.text
