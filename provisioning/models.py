"""The storage catalog customers order from, and the filespaces they ordered."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.models import Customer

# Providers whose storage accepts a custom endpoint (NOTES.md, FilespaceStorage.endpoint).
ENDPOINT_PROVIDERS = frozenset({"Zadara", "Cloudian", "Other"})


class StorageOption(models.Model):
    """One orderable combination of provider, region and owner, edited by staff."""

    class Provider(models.TextChoices):
        AZURE = "Azure"
        AWS = "AWS"
        AWS_GOV_CLOUD = "AWSGovCloud"
        ALIBABA = "Alibaba"
        GCP = "GCP"
        ZADARA = "Zadara"
        CLOUDIAN = "Cloudian"
        DIGITAL_OCEAN = "DigitalOcean"
        WASABI = "Wasabi"
        SCALITY = "Scality"
        TELEFONICA = "Telefonica"
        EXOSCALE = "Exoscale"
        NUTANIX = "Nutanix"
        PURE = "Pure"
        DELL = "Dell"
        IBM = "IBM"
        OTHER = "Other"

    class Owner(models.TextChoices):
        LUCIDLINK = "lucidlink", "LucidLink-provided storage"
        CUSTOMER = "customer", "Your own storage"

    class SubscriptionType(models.TextChoices):
        BASIC = "basic", "Basic"
        TEAMS = "teams", "Teams"
        ENTERPRISE = "enterprise", "Enterprise"
        CUSTOM = "custom", "Custom"

    provider = models.CharField(max_length=32, choices=Provider.choices)
    region = models.CharField(max_length=64)
    owner = models.CharField(max_length=16, choices=Owner.choices)
    subscription_type = models.CharField(max_length=16, choices=SubscriptionType.choices)
    label = models.CharField(
        max_length=120, help_text="What customers see, e.g. 'Wasabi, Frankfurt'."
    )
    enabled = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "provider", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "region", "owner", "subscription_type"],
                name="unique_storage_option",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def accepts_endpoint(self) -> bool:
        return self.provider in ENDPOINT_PROVIDERS

    @property
    def is_customer_owned(self) -> bool:
        return self.owner == self.Owner.CUSTOMER


class Filespace(models.Model):
    class Status(models.TextChoices):
        ORDERED = "ordered", "Ordered"
        PROVISIONING = "provisioning", "Provisioning"
        READY = "ready", "Ready"
        INITIALIZED = "initialized", "Initialized"
        ERROR = "error", "Error"
        DELETING = "deleting", "Deleting"
        DELETED = "deleted", "Deleted"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="filespaces")
    name = models.CharField(max_length=63)
    # The provider's domain when ordered; the fully qualified name is "<name>.<domain>".
    domain_name = models.CharField(max_length=60)
    storage_option = models.ForeignKey(StorageOption, on_delete=models.PROTECT, related_name="+")
    endpoint = models.CharField(max_length=255, blank=True)
    bucket = models.CharField(max_length=63, blank=True)
    upstream_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ORDERED)
    error_message = models.CharField(max_length=500, blank=True, help_text="Shown to the customer.")
    error_detail = models.TextField(blank=True, help_text="For staff only.")
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Idempotent creation upstream: how many POSTs were attempted, and until when one
    # worker holds the right to talk to the API about this order (see services).
    create_attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delete_attempts = models.PositiveIntegerField(default=0)
    upstream_status = models.CharField(max_length=32, blank=True)
    upstream_missing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When the customer (or staff) asked for deletion: usage is billed until then, even if
    # LucidLink confirms the deletion later (e.g. after it finished provisioning).
    usage_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live filespace per name in the provider's domain, whoever ordered it:
            # a double submit or two customers racing for a name make one row, not two.
            models.UniqueConstraint(
                fields=["domain_name", "name"],
                condition=~Q(status="deleted"),
                name="one_live_filespace_per_name",
            ),
        ]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["customer", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.qualified_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("filespace_detail", args=[self.pk])

    @property
    def qualified_name(self) -> str:
        return f"{self.name}.{self.domain_name}"

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.ORDERED, self.Status.PROVISIONING}

    @property
    def is_changing(self) -> bool:
        """A status a worker is about to move on: pages showing it keep polling."""
        return self.status in {self.Status.ORDERED, self.Status.PROVISIONING, self.Status.DELETING}

    @property
    def is_usable(self) -> bool:
        return self.status in {self.Status.READY, self.Status.INITIALIZED}

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.DELETED
