"""Plain words for audit actions on customer pages (the admin shows the raw action)."""

from django import template

from tenants.audit import ACTION_LABELS

register = template.Library()


@register.filter
def audit_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
