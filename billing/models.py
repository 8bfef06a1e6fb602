"""Usage readings, price plans, invoices and reconciliation with LucidLink's bills."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan

from provisioning.models import Filespace
from tenants.models import Customer

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 16, "decimal_places": 6, "validators": [MinValueValidator(Decimal(0))]}
QUANTITY = {"max_digits": 20, "decimal_places": 6}


class UsageReading(models.Model):
    """One reading of a filespace's stats per collection window, as LucidLink sent it."""

    filespace = models.ForeignKey(Filespace, on_delete=models.PROTECT, related_name="readings")
    # taken_at truncated to the collection window: the unique key that makes a second,
    # late or concurrent collection in the same window store nothing.
    window_start = models.DateTimeField()
    taken_at = models.DateTimeField()
    used_storage = models.PositiveBigIntegerField()
    filespace_size = models.PositiveBigIntegerField()
    get_data_size = models.PositiveBigIntegerField()
    put_data_size = models.PositiveBigIntegerField()
    get_request_count = models.PositiveBigIntegerField()
    put_request_count = models.PositiveBigIntegerField()
    list_request_count = models.PositiveBigIntegerField()
    delete_request_count = models.PositiveBigIntegerField()
    users_count = models.PositiveIntegerField()
    upstream_status = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["filespace_id", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["filespace", "window_start"], name="one_reading_per_filespace_window"
            ),
            models.CheckConstraint(
                condition=Q(taken_at__gte=F("window_start")), name="reading_taken_in_its_window"
            ),
        ]
        indexes = [
            models.Index(fields=["filespace", "taken_at"]),
            models.Index(fields=["taken_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.filespace_id} at {self.taken_at:%Y-%m-%d %H:%M}"


class UpstreamMissing(models.Model):
    """A filespace we bill for that LucidLink's list did not contain: for staff to resolve."""

    filespace = models.ForeignKey(Filespace, on_delete=models.CASCADE, related_name="+")
    first_missing_at = models.DateTimeField()
    last_missing_at = models.DateTimeField()
    times_missing = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_missing_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["filespace"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_missing_flag_per_filespace",
            ),
        ]
        verbose_name = "filespace missing upstream"
        verbose_name_plural = "filespaces missing upstream"

    def __str__(self) -> str:
        return f"filespace {self.filespace_id} missing since {self.first_missing_at:%Y-%m-%d %H:%M}"


class PricePlan(models.Model):
    """What a customer pays, edited by staff. Invoices copy the prices onto their lines."""

    name = models.CharField(max_length=100, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    price_per_gb_month = models.DecimalField("price per GB-month of storage", **PRICE)
    price_per_egress_gb = models.DecimalField("price per GB of egress", **PRICE)
    included_egress_gb = models.DecimalField(
        "included egress (GB per month)", default=Decimal(0), **PRICE
    )
    price_per_user_month = models.DecimalField("price per user-month", **PRICE)
    monthly_minimum = models.DecimalField(
        default=Decimal(0), validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    tax_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="A fraction: 0.2100 is 21%.",
    )
    is_default = models.BooleanField(
        default=False, help_text="The plan of every customer who has not been given one."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_price_plan"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="price_plan_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def clean(self) -> None:
        self.currency = (self.currency or "").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": "Use a three-letter ISO 4217 code, e.g. EUR."})


class CustomerPricePlan(models.Model):
    """From ``valid_from`` on, the customer is on ``plan`` (until their next assignment).
    Before their first assignment a customer is on the default plan."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="price_plans")
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="assignments")
    valid_from = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["customer_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "valid_from"], name="one_plan_change_per_moment"
            ),
        ]
        verbose_name = "customer price plan"

    def __str__(self) -> str:
        return f"{self.customer} on {self.plan.name} from {self.valid_from:%Y-%m-%d %H:%M}"


class PeriodClose(models.Model):
    """A period whose invoices have been made: closing it again does nothing."""

    period_start = models.DateTimeField(unique=True)
    period_end = models.DateTimeField()
    closed_at = models.DateTimeField(auto_now_add=True)
    invoices_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"period from {self.period_start:%Y-%m-%d %H:%M} UTC"


class DocumentSequence(models.Model):
    """The last number used in a series; locked (select_for_update) by the transaction that
    issues, so numbers are sequential without gaps even when issues race or roll back."""

    series = models.CharField(max_length=8, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class InvoiceImmutable(ValidationError):
    """An issued invoice or credit note cannot change: correct it with a credit note."""


class InvoiceQuerySet(models.QuerySet):
    def issued(self):
        return self.filter(status=Invoice.Status.ISSUED)

    def update(self, **kwargs):
        if self.filter(status=Invoice.Status.ISSUED).exists():
            raise InvoiceImmutable("Issued invoices cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Invoice.Status.ISSUED).exists():
            raise InvoiceImmutable("Issued invoices cannot be deleted.")
        return super().delete()


class Invoice(models.Model):
    """An invoice (one per customer per period) or a credit note correcting one."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    credit_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # "INV-000042": given when issued, from DocumentSequence, never reused.
    number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    currency = models.CharField(max_length=3)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)
    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500, blank=True, help_text="Why a credit note was made.")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "customer_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_start"],
                condition=Q(kind="invoice"),
                name="one_invoice_per_customer_period",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=F("period_end")), name="invoice_period_not_empty"
            ),
            # Within half a cent rather than equal: SQLite keeps decimals as floating point,
            # where 0.10 + 0.20 is not 0.30 (PostgreSQL's numeric is exact either way).
            models.CheckConstraint(
                condition=LessThan(
                    Abs(F("total") - F("subtotal") - F("tax")), Value(Decimal("0.005"))
                ),
                name="invoice_total_is_net_plus_tax",
            ),
            models.CheckConstraint(
                condition=(Q(status="draft", number__isnull=True, issued_at__isnull=True))
                | (Q(status="issued", number__isnull=False, issued_at__isnull=False)),
                name="invoice_numbered_when_issued",
            ),
            models.CheckConstraint(
                condition=(Q(kind="invoice", credit_for__isnull=True))
                | Q(kind="credit_note", credit_for__isnull=False),
                name="credit_note_refers_to_invoice",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-period_start"])]

    def __str__(self) -> str:
        label = self.number or f"draft #{self.pk}"
        return f"{self.get_kind_display()} {label}"

    def save(self, *args, **kwargs):
        # An invariant rather than business logic: nothing rewrites an issued document.
        if self._issued_when_loaded():
            raise InvoiceImmutable("Issued invoices cannot be changed; make a credit note.")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("billing_invoice", args=[self.pk])

    def delete(self, *args, **kwargs):
        if self._issued_when_loaded() or self.status == self.Status.ISSUED:
            raise InvoiceImmutable("Issued invoices cannot be deleted; make a credit note.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def _issued_when_loaded(self) -> bool:
        return getattr(self, "_loaded_status", None) == self.Status.ISSUED

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(invoice__status=Invoice.Status.ISSUED).exists():
            raise InvoiceImmutable("Lines of issued invoices cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(invoice__status=Invoice.Status.ISSUED).exists():
            raise InvoiceImmutable("Lines of issued invoices cannot be deleted.")
        return super().delete()


class InvoiceLine(models.Model):
    """quantity x unit_price, rounded half up to the cent, is amount: always."""

    class Dimension(models.TextChoices):
        STORAGE = "storage", "Storage"
        EGRESS = "egress", "Egress"
        USERS = "users", "Users"
        EGRESS_ALLOWANCE = "egress_allowance", "Included egress"
        MINIMUM = "minimum", "Monthly minimum"
        ADJUSTMENT = "adjustment", "Adjustment"
        TAX = "tax", "Tax"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    filespace = models.ForeignKey(
        Filespace, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copied when the line is made, so the invoice reads the same forever.
    filespace_name = models.CharField(max_length=128, blank=True)
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=16)
    unit_price = models.DecimalField(max_digits=16, decimal_places=6)
    amount = models.DecimalField(**MONEY)
    plan_name = models.CharField(max_length=100, blank=True)
    # The part of the period this line covers (a plan change splits a period).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="one_line_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"

    def save(self, *args, **kwargs):
        if self.invoice_id and Invoice.objects.filter(pk=self.invoice_id, status="issued").exists():
            raise InvoiceImmutable("Lines of issued invoices cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Invoice.objects.filter(pk=self.invoice_id, status="issued").exists():
            raise InvoiceImmutable("Lines of issued invoices cannot be deleted.")
        return super().delete(*args, **kwargs)


class UpstreamInvoice(models.Model):
    """An invoice LucidLink issued to us (the provider), as pulled; they never change."""

    upstream_id = models.CharField(max_length=64, unique=True)
    issued_on = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    currency = models.CharField(max_length=3)
    amount_due_cents = models.DecimalField(max_digits=16, decimal_places=2)
    payment_status = models.CharField(max_length=16)
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = "LucidLink invoice"

    def __str__(self) -> str:
        return f"LucidLink {self.upstream_id} ({self.period_start:%Y-%m})"


class UpstreamCharge(models.Model):
    """One row of an upstream invoice's breakdown: a filespace and a dimension."""

    invoice = models.ForeignKey(UpstreamInvoice, on_delete=models.CASCADE, related_name="charges")
    filespace_upstream_id = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=128)
    dimension = models.CharField(max_length=32)
    usage = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=16, blank=True)
    unit_price_cents = models.DecimalField(max_digits=16, decimal_places=6)
    amount_cents = models.DecimalField(max_digits=16, decimal_places=2)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["invoice_id", "name", "dimension"]
        verbose_name = "LucidLink charge"
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "filespace_upstream_id", "dimension"],
                name="one_upstream_charge_per_filespace_dimension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.dimension}: {self.amount_cents} cents"
