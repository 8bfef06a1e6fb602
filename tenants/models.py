"""Customers (the tenants), the people in them and the audit log of what changed."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Customer(models.Model):
    name = models.CharField("organisation name", max_length=200)
    is_suspended = models.BooleanField(default=False)
    suspended_reason = models.CharField(max_length=500, blank=True)
    max_filespaces = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Leave empty for the portal-wide default (Portal settings).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def filespace_limit(self) -> int:
        if self.max_filespaces is not None:
            return self.max_filespaces
        return PortalSettings.effective_default_max_filespaces()


class PortalSettings(models.Model):
    """Portal-wide values staff edit in the admin: one row, created on first save."""

    SINGLETON_ID = 1

    default_max_filespaces = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Live filespaces a customer may have unless its own limit is set. "
        "Empty: the PROVISIONING_DEFAULT_MAX_FILESPACES setting.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "portal settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="portal_settings_singleton"),
        ]

    def __str__(self) -> str:
        return "Portal settings"

    @classmethod
    def effective_default_max_filespaces(cls) -> int:
        value = (
            cls.objects.filter(pk=cls.SINGLETON_ID)
            .values_list("default_max_filespaces", flat=True)
            .first()
        )
        return value if value is not None else settings.PROVISIONING_DEFAULT_MAX_FILESPACES


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"
        BILLING = "billing", "Billing"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "customer"], name="one_membership_per_user"),
        ]
        ordering = ["customer__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.customer} ({self.get_role_display()})"

    # What each role may do; views and services ask these, never the role string.
    @property
    def can_order(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN, self.Role.MEMBER}

    @property
    def can_delete(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN}

    @property
    def can_see_billing(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN, self.Role.BILLING}

    @property
    def can_manage_members(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN}


class AuditEntry(models.Model):
    """One change: who (or what) did it, to which object, and the state before and after."""

    class ActorKind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        STAFF = "staff", "Staff"
        TASK = "task", "Task"
        UPSTREAM = "upstream", "Upstream (LucidLink)"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class Invitation(models.Model):
    """An invitation to join a customer with a role. Only a hash of its token is stored:
    the link in the email is the one copy of the secret."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address per organisation, whatever its case.
            models.UniqueConstraint(
                "customer",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.customer} as {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
