"""Plain words for audit actions on customer pages (the admin shows the raw action)."""

from django import template

register = template.Library()

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
}


@register.filter
def audit_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
