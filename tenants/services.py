"""Writes for customers and memberships."""

from django.db import transaction

from tenants.audit import audit_record
from tenants.models import AuditEntry, Customer, Membership


@transaction.atomic
def customer_create_with_owner(*, name: str, user) -> Customer:
    """A new organisation and its first owner, in one transaction (used by signup)."""
    customer = Customer(name=name.strip())
    customer.full_clean()
    customer.save()
    membership = Membership(user=user, customer=customer, role=Membership.Role.OWNER)
    membership.full_clean()
    membership.save()
    audit_record(
        action="customer.created",
        obj=customer,
        actor=user,
        actor_kind=AuditEntry.ActorKind.CUSTOMER,
        customer=customer,
        after={"name": customer.name, "owner": user.email},
    )
    return customer
