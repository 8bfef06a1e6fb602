"""Writing the audit log. Every service that changes something calls `audit_record`."""

from typing import Any

from django.db import models

from tenants.models import AuditEntry, Customer


def audit_record(
    *,
    action: str,
    obj: models.Model,
    actor_kind: str,
    actor=None,
    customer: Customer | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        customer=customer,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_kind=actor_kind,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        before=before or {},
        after=after or {},
        message=message,
    )


def actor_kind_for(user) -> str:
    """Staff acting (through the admin) are staff; anyone else is a customer."""
    if user is not None and user.is_authenticated and user.is_staff:
        return AuditEntry.ActorKind.STAFF
    return AuditEntry.ActorKind.CUSTOMER
