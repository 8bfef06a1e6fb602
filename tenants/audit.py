"""Writing the audit log. Every service that changes something calls `audit_record`."""

from typing import Any

from django.db import models

from tenants.models import AuditEntry, Customer

# Plain words for the actions services record (customer pages and admin filters use them).
ACTION_LABELS = {
    "customer.created": "Organisation created",
    "customer.updated": "Organisation settings changed",
    "customer.suspended": "Organisation suspended",
    "customer.unsuspended": "Suspension lifted",
    "membership.created": "Joined",
    "membership.role_changed": "Role changed",
    "membership.removed": "Removed from the team",
    "membership.left": "Left the team",
    "invitation.created": "Invitation sent",
    "invitation.revoked": "Invitation withdrawn",
    "invitation.accepted": "Invitation accepted",
    "filespace.ordered": "Filespace ordered",
    "filespace.status": "Status changed",
    "filespace.delete_requested": "Deletion requested",
    "filespace.delete_retried": "Deletion retried by support",
    "filespace.refresh_requested": "Status refresh requested by support",
    "portal_settings.updated": "Portal settings changed",
    "storage_option.created": "Storage option added",
    "storage_option.updated": "Storage option changed",
    "usage.collect_requested": "Usage collection requested",
    "admin.exported_csv": "Exported as CSV",
    # Recorded by billing's services.
    "billing.plan_assigned": "Price plan changed",
    "price_plan.created": "Price plan created",
    "price_plan.changed": "Price plan edited",
    "billing.missing_upstream": "Billed filespace missing at LucidLink",
    "invoice.drafted": "Invoice drafted",
    "invoice.issued": "Invoice issued",
    "invoice.credit_drafted": "Credit note drafted",
    "invoice.draft_deleted": "Invoice draft deleted",
}


def audit_record(**fields: Any) -> AuditEntry:
    """Record one change now; takes the keyword arguments of `audit_entry`."""
    entry = audit_entry(**fields)
    entry.save()
    return entry


def audit_entry(
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
    """An unsaved entry, for services that record many at once with bulk_create."""
    return AuditEntry(
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


def audit_record_export(*, model: type[models.Model], count: int, actor) -> AuditEntry:
    """Staff exported rows: not a change, but who took which data out is worth keeping."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_kind=AuditEntry.ActorKind.STAFF,
        action="admin.exported_csv",
        object_type=model._meta.label_lower,
        object_id="",
        object_repr=f"{count} {model._meta.verbose_name_plural}",
        after={"rows": count},
    )


def audit_record_request(*, action: str, object_type: str, actor, message: str = "") -> AuditEntry:
    """Staff asked for work that concerns no single object (e.g. "collect usage now")."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_kind=AuditEntry.ActorKind.STAFF,
        action=action,
        object_type=object_type,
        object_id="",
        object_repr=object_type,
        message=message,
    )
