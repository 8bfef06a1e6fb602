"""Customers (the tenants), the people in them and the audit log of what changed."""

from django.conf import settings
from django.db import models


class Customer(models.Model):
    name = models.CharField("organisation name", max_length=200)
    is_suspended = models.BooleanField(default=False)
    suspended_reason = models.CharField(max_length=500, blank=True)
    max_filespaces = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Leave empty for the default set in PROVISIONING_DEFAULT_MAX_FILESPACES.",
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
        return settings.PROVISIONING_DEFAULT_MAX_FILESPACES


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
