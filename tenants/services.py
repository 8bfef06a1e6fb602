"""Writes for customers, memberships and invitations. Each one is recorded in the audit log.

`actor_membership` is the acting person's membership in the customer, or None when staff
act through the admin (staff are not members; the admin checks their permissions).
"""

import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tenants.audit import actor_kind_for, audit_record
from tenants.models import AuditEntry, Customer, Invitation, Membership, PortalSettings
from tenants.selectors import user_has_email

INVITATION_LIFETIME = timedelta(days=7)
Role = Membership.Role


class ActionRefused(Exception):
    """The action is not possible right now; the message says why, for the person acting."""


class CustomerSuspended(ActionRefused):
    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Your organisation is suspended: you can look around, but not change anything. "
            "Please contact support."
        )


def customer_check_active(*, customer: Customer) -> None:
    """Raise CustomerSuspended when the customer may not change anything."""
    if customer.is_suspended:
        raise CustomerSuspended()


# --- Customers ------------------------------------------------------------------------------


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


@transaction.atomic
def customer_suspend(*, customer_id: int, actor, reason: str = "") -> bool:
    """Suspend a customer: it can sign in and look, but not order or change anything.
    Its filespaces stay. Returns False when it was already suspended."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.is_suspended:
        return False
    before = {"is_suspended": False, "suspended_reason": customer.suspended_reason}
    customer.is_suspended = True
    customer.suspended_reason = reason.strip()[:500]
    customer.full_clean()
    customer.save(update_fields=["is_suspended", "suspended_reason"])
    audit_record(
        action="customer.suspended",
        obj=customer,
        actor=actor,
        actor_kind=AuditEntry.ActorKind.STAFF,
        customer=customer,
        before=before,
        after={"is_suspended": True, "suspended_reason": customer.suspended_reason},
        message=customer.suspended_reason,
    )
    return True


@transaction.atomic
def customer_unsuspend(*, customer_id: int, actor) -> bool:
    """Lift a suspension. Returns False when the customer was not suspended."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if not customer.is_suspended:
        return False
    before = {"is_suspended": True, "suspended_reason": customer.suspended_reason}
    customer.is_suspended = False
    customer.suspended_reason = ""
    customer.save(update_fields=["is_suspended", "suspended_reason"])
    audit_record(
        action="customer.unsuspended",
        obj=customer,
        actor=actor,
        actor_kind=AuditEntry.ActorKind.STAFF,
        customer=customer,
        before=before,
        after={"is_suspended": False, "suspended_reason": ""},
    )
    return True


CUSTOMER_EDITABLE_FIELDS = ("name", "max_filespaces")


@transaction.atomic
def customer_update(*, customer_id: int, actor, **changes: Any) -> Customer:
    """Staff edit a customer's name or filespace limit (suspension has its own services)."""
    unknown = set(changes) - set(CUSTOMER_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    before = {field: getattr(customer, field) for field in changes}
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.full_clean()
    after = {field: getattr(customer, field) for field in changes}
    changed = [field for field in changes if before[field] != after[field]]
    if not changed:
        return customer
    customer.save(update_fields=changed)
    audit_record(
        action="customer.updated",
        obj=customer,
        actor=actor,
        actor_kind=actor_kind_for(actor),
        customer=customer,
        before={field: before[field] for field in changed},
        after={field: after[field] for field in changed},
    )
    return customer


@transaction.atomic
def portal_settings_update(*, actor, default_max_filespaces: int | None) -> PortalSettings:
    portal, _ = PortalSettings.objects.select_for_update().get_or_create(
        pk=PortalSettings.SINGLETON_ID
    )
    before = portal.default_max_filespaces
    portal.default_max_filespaces = default_max_filespaces
    portal.full_clean()
    portal.save()
    if before != default_max_filespaces:
        audit_record(
            action="portal_settings.updated",
            obj=portal,
            actor=actor,
            actor_kind=AuditEntry.ActorKind.STAFF,
            before={"default_max_filespaces": before},
            after={"default_max_filespaces": default_max_filespaces},
        )
    return portal


# --- Memberships ----------------------------------------------------------------------------


def _check_may_manage(*, customer: Customer, actor_membership: Membership | None) -> None:
    """Staff (no membership) or an owner/admin of this very customer."""
    if actor_membership is None:
        return
    if actor_membership.customer_id != customer.pk or not actor_membership.can_manage_members:
        raise PermissionDenied("Your role does not allow managing members.")


def _check_owner_rights(*, actor_membership: Membership | None, roles: set[str]) -> None:
    """Only an owner (or staff) makes, unmakes or removes owners."""
    if actor_membership is None or Role.OWNER not in roles:
        return
    if actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only an owner can change an owner or make someone owner.")


def _lock_memberships(customer_id: int) -> Customer:
    # Every change to a customer's team locks the customer row first, so two owners
    # demoting each other at once cannot leave the organisation without one.
    return Customer.objects.select_for_update().get(pk=customer_id)


def _is_last_owner(membership: Membership) -> bool:
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(customer_id=membership.customer_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(
    *,
    membership_id: int,
    customer: Customer,
    role: str,
    actor,
    actor_membership: Membership | None,
) -> Membership:
    customer = _lock_memberships(customer.pk)
    _check_may_manage(customer=customer, actor_membership=actor_membership)
    if actor_membership is not None:
        customer_check_active(customer=customer)
    membership = (
        Membership.objects.select_related("user")
        .filter(customer=customer)
        .get(pk=membership_id)  # another customer's membership: DoesNotExist
    )
    if role not in Role.values:
        raise ValidationError({"role": ["Choose a valid role."]})
    before = membership.role
    if before == role:
        return membership
    _check_owner_rights(actor_membership=actor_membership, roles={before, role})
    if _is_last_owner(membership):
        raise ActionRefused(
            "The last owner cannot be given another role: make someone else owner first."
        )
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        action="membership.role_changed",
        obj=membership,
        actor=actor,
        actor_kind=actor_kind_for(actor),
        customer=customer,
        before={"user": membership.user.email, "role": before},
        after={"user": membership.user.email, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(
    *, membership_id: int, customer: Customer, actor, actor_membership: Membership | None
) -> None:
    """Remove someone from the organisation, or leave it (removing one's own membership)."""
    customer = _lock_memberships(customer.pk)
    membership = (
        Membership.objects.select_related("user").filter(customer=customer).get(pk=membership_id)
    )
    leaving = actor_membership is not None and actor_membership.pk == membership.pk
    if not leaving:
        _check_may_manage(customer=customer, actor_membership=actor_membership)
        _check_owner_rights(actor_membership=actor_membership, roles={membership.role})
    if actor_membership is not None:
        customer_check_active(customer=customer)
    if _is_last_owner(membership):
        raise ActionRefused(
            "The last owner cannot leave the organisation: make someone else owner first."
        )
    audit_record(
        action="membership.left" if leaving else "membership.removed",
        obj=membership,
        actor=actor,
        actor_kind=actor_kind_for(actor),
        customer=customer,
        before={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- Invitations ----------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    customer: Customer,
    email: str,
    role: str,
    actor,
    actor_membership: Membership | None,
) -> tuple[Invitation, str]:
    """Invite someone by email. Returns the invitation and its token (sent by email only).

    Inviting an address that already has an open invitation replaces it (a resend).
    """
    customer = _lock_memberships(customer.pk)
    _check_may_manage(customer=customer, actor_membership=actor_membership)
    if actor_membership is not None:
        customer_check_active(customer=customer)
    _check_owner_rights(actor_membership=actor_membership, roles={role})
    email = email.strip().lower()
    if Membership.objects.filter(customer=customer, user__email__iexact=email).exists():
        raise ValidationError({"email": ["This person is already a member."]})
    now = timezone.now()
    for old in Invitation.objects.filter(
        customer=customer, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        customer=customer,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=actor if actor is not None and actor.is_authenticated else None,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        action="invitation.created",
        obj=invitation,
        actor=actor,
        actor_kind=actor_kind_for(actor),
        customer=customer,
        after={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()},
    )
    from tenants import notifications

    transaction.on_commit(lambda: notifications.notify_invitation(invitation, token=token))
    return invitation, token


@transaction.atomic
def invitation_revoke(
    *, invitation_id: int, customer: Customer, actor, actor_membership: Membership | None
) -> None:
    customer = _lock_memberships(customer.pk)
    _check_may_manage(customer=customer, actor_membership=actor_membership)
    if actor_membership is not None:
        customer_check_active(customer=customer)
    invitation = Invitation.objects.filter(customer=customer).get(pk=invitation_id)
    if not invitation.is_open:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoked",
        obj=invitation,
        actor=actor,
        actor_kind=actor_kind_for(actor),
        customer=customer,
        before={"email": invitation.email, "role": invitation.role},
    )


class InvitationInvalid(ActionRefused):
    """Expired, revoked, already used, or no such token: the person gets one message."""


def _open_invitation_for_update(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("customer")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationInvalid("This invitation link is not valid. Ask for a new invitation.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been accepted.")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("This invitation has expired. Ask for a new invitation.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """The invited person joins the organisation with the invitation's role."""
    invitation = _open_invitation_for_update(token)
    customer = _lock_memberships(invitation.customer_id)
    if not user_has_email(user=user, email=invitation.email):
        raise InvitationInvalid(
            f"This invitation is for {invitation.email}. Sign in with that address to accept it."
        )
    customer_check_active(customer=customer)
    membership, created = Membership.objects.get_or_create(
        user=user, customer=customer, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # Following the link proves the address: ordering needs a verified one.
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    audit_record(
        action="invitation.accepted",
        obj=invitation,
        actor=user,
        actor_kind=AuditEntry.ActorKind.CUSTOMER,
        customer=customer,
        after={"email": invitation.email, "role": membership.role, "joined": created},
    )
    if created:
        audit_record(
            action="membership.created",
            obj=membership,
            actor=user,
            actor_kind=AuditEntry.ActorKind.CUSTOMER,
            customer=customer,
            after={"user": user.email, "role": membership.role},
            message="Accepted an invitation.",
        )
    return membership


@transaction.atomic
def invitation_accept_with_signup(*, token: str, password: str):
    """A person without an account accepts: the account is made for the invited address
    (verified, since the link reached it) and joins the organisation. Returns the user."""
    invitation = _open_invitation_for_update(token)
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid("You already have an account: sign in to accept the invitation.")
    user = User(username=invitation.email, email=invitation.email)
    try:
        validate_password(password, user)
    except ValidationError as err:
        raise ValidationError({"password1": err.messages}) from err
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=invitation.email, primary=True, verified=True)
    invitation_accept(token=token, user=user)
    return user
