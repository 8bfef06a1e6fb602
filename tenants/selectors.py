"""Reads about customers and memberships, always on behalf of a given user."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.models import AuditEntry, Customer, Invitation, Membership


def membership_list(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("customer").order_by("customer__name")
    )


def membership_active(*, user, customer_id: int | None) -> Membership | None:
    """The membership the user works in: the one chosen in the session, else the first."""
    memberships = membership_list(user=user)
    if customer_id is not None:
        chosen = memberships.filter(customer_id=customer_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def audit_list(*, customer: Customer) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(customer=customer).select_related("actor")


def member_list(*, customer: Customer) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(customer=customer).select_related("user").order_by("user__email")
    )


def member_get(*, customer: Customer, pk: int) -> Membership:
    """A membership of this customer; another tenant's is as missing as a made-up id."""
    try:
        return member_list(customer=customer).get(pk=pk)
    except Membership.DoesNotExist as err:
        raise Http404("No such member.") from err


def invitation_list_open(*, customer: Customer) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        customer=customer,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def invitation_find(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("customer", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def activity_list(*, membership: Membership) -> QuerySet[AuditEntry]:
    """The organisation's audit log as its member may see it: money matters only for
    roles that see billing."""
    entries = audit_list(customer=membership.customer)
    if not membership.can_see_billing:
        entries = entries.exclude(object_type__startswith="billing.")
    return entries


def account_exists(*, email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def user_has_email(*, user, email: str) -> bool:
    """Is this one of the user's addresses (whatever its case)?"""
    if (user.email or "").lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email).exists()
