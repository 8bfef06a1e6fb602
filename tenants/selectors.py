"""Reads about customers and memberships, always on behalf of a given user."""

from django.db.models import QuerySet

from tenants.models import AuditEntry, Customer, Membership


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
