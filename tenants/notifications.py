"""Emails to customers: filespace ready or failed, an invitation, an invoice issued.

Sent through Django's email backend (the console in development). Each function is called
after the change it reports has committed, and a failure to send is logged, never raised:
a mail server being down must not undo or block the change itself.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from tenants.models import Customer, Invitation, Membership

logger = logging.getLogger(__name__)

Role = Membership.Role


def portal_url(path: str) -> str:
    """An absolute link into the portal, for emails (there is no request to build it from)."""
    base = settings.PORTAL_BASE_URL
    return base.rstrip("/") + path


def _recipients(customer: Customer, roles: Iterable[str], also=None) -> list[str]:
    emails = list(
        Membership.objects.filter(customer=customer, role__in=list(roles))
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    # The person who ordered, if they are still a member of the organisation.
    if (
        also is not None
        and getattr(also, "email", "")
        and also.email not in emails
        and Membership.objects.filter(customer=customer, user=also).exists()
    ):
        emails.append(also.email)
    return sorted(set(emails))


def _send(template: str, context: dict, recipients: list[str]) -> int:
    if not recipients:
        return 0
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    try:
        return send_mail(
            " ".join(subject.split()),
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=False,
        )
    except Exception:
        logger.exception("Could not send the %s email to %d recipients", template, len(recipients))
        return 0


def notify_filespace_ready(filespace) -> int:
    """Tell the organisation's owners and admins, and whoever ordered it."""
    context = {
        "filespace": filespace,
        "customer": filespace.customer,
        "url": portal_url(filespace.get_absolute_url()),
    }
    recipients = _recipients(filespace.customer, {Role.OWNER, Role.ADMIN}, filespace.ordered_by)
    return _send("filespace_ready", context, recipients)


def notify_filespace_failed(filespace) -> int:
    """The customer-facing message only; the staff detail stays in the admin."""
    context = {
        "filespace": filespace,
        "customer": filespace.customer,
        "url": portal_url(filespace.get_absolute_url()),
    }
    recipients = _recipients(filespace.customer, {Role.OWNER, Role.ADMIN}, filespace.ordered_by)
    return _send("filespace_failed", context, recipients)


def notify_invitation(invitation: Invitation, *, token: str) -> int:
    context = {
        "invitation": invitation,
        "customer": invitation.customer,
        "inviter": invitation.invited_by,
        "url": portal_url(reverse("invitation_accept", args=[token])),
    }
    return _send("invitation", context, [invitation.email])


def notify_invoice_issued(invoice) -> int:
    """For billing: call after the invoice is issued (on commit). Goes to everyone whose
    role sees billing. Uses `invoice.customer`, `str(invoice)` and, when the model has
    one, `invoice.get_absolute_url()`."""
    url = ""
    if hasattr(invoice, "get_absolute_url"):
        try:
            url = portal_url(invoice.get_absolute_url())
        except NoReverseMatch:
            url = ""
    context = {"invoice": invoice, "customer": invoice.customer, "url": url}
    roles = {role for role in Role.values if Membership(role=role).can_see_billing}
    return _send("invoice_issued", context, _recipients(invoice.customer, roles))
