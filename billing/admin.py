"""Staff views of billing: plans, readings, invoices (issued ones read only), exports,
closing a period, and reconciliation with LucidLink's invoices."""

from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from billing import reconciliation as recon
from billing import selectors, services
from billing.charges import BillingError
from billing.forms import ClosePeriodForm, CreditNoteForm, ExportForm, ReconciliationForm
from billing.models import (
    CustomerPricePlan,
    Invoice,
    InvoiceLine,
    PeriodClose,
    PricePlan,
    UpstreamCharge,
    UpstreamInvoice,
    UpstreamMissing,
    UsageReading,
)
from billing.periods import Period
from portal.csv_export import csv_response
from provisioning.lucidlink.errors import LucidLinkError
from tenants.admin_paging import EstimatedCountPaginator


def _require(request, *perms: str) -> None:
    """The custom admin views' check: admin_view only asks for is_staff."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PricePlan)
class PricePlanAdmin(admin.ModelAdmin):
    list_display = [
        "name", "currency", "price_per_gb_month", "price_per_egress_gb", "included_egress_gb",
        "price_per_user_month", "monthly_minimum", "tax_rate", "is_default",
    ]  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not (obj.is_default or obj.assignments.exists())

    def save_model(self, request, obj, form, change):
        if change:
            services.price_plan_update(
                plan_id=obj.pk,
                changes={name: form.cleaned_data[name] for name in form.changed_data},
                actor=request.user,
            )
        else:
            plan = services.price_plan_create(fields=dict(form.cleaned_data), actor=request.user)
            obj.pk = plan.pk


class CustomerPricePlanForm(forms.ModelForm):
    class Meta:
        model = CustomerPricePlan
        fields = ["customer", "plan", "valid_from"]

    def clean(self):
        data = super().clean()
        if data.get("customer") and data.get("plan") and data.get("valid_from"):
            services.customer_plan_validate(
                customer=data["customer"], plan=data["plan"], valid_from=data["valid_from"]
            )
        return data


@admin.register(CustomerPricePlan)
class CustomerPricePlanAdmin(admin.ModelAdmin):
    """Plan changes are history: add one (it applies from its moment on), never edit."""

    form = CustomerPricePlanForm

    list_display = ["customer", "plan", "valid_from", "created_by", "created_at"]
    list_filter = ["plan"]
    search_fields = ["customer__name"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        assignment = services.customer_plan_assign(
            customer=obj.customer, plan=obj.plan, valid_from=obj.valid_from, actor=request.user
        )
        obj.pk = assignment.pk


@admin.register(UsageReading)
class UsageReadingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "filespace", "taken_at", "used_storage", "get_data_size", "users_count",
        "upstream_status",
    ]  # fmt: skip
    list_select_related = ["filespace"]
    search_fields = ["filespace__name", "filespace__upstream_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ["filespace"]


@admin.register(UpstreamMissing)
class UpstreamMissingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["filespace", "customer", "first_missing_at", "last_missing_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["filespace__customer"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description="customer")
    def customer(self, obj):
        return obj.filespace.customer


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = [
        "position", "filespace_name", "dimension", "description", "quantity", "unit",
        "unit_price", "amount", "starts_at", "ends_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Invoices are made by closing a period, changed only by credit notes."""

    list_display = ["__str__", "customer", "period_start", "status", "total", "currency"]
    list_filter = ["status", "kind", "period_start"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [InvoiceLineInline]
    actions = ["issue_drafts", "delete_drafts", "export_lines"]
    readonly_fields = [
        "customer", "kind", "credit_for", "status", "number", "period_start", "period_end",
        "currency", "tax_rate", "subtotal", "tax", "total", "reason", "created_at", "issued_at",
    ]  # fmt: skip
    change_form_template = "billing/admin/invoice_change_form.html"
    change_list_template = "billing/admin/invoice_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The form has no editable field, and an issued invoice none at all: the model
        # refuses to save it anyway. Who may change invoices is still the permission's say.
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or not obj.is_issued

    def has_delete_permission(self, request, obj=None):
        return False

    def has_discard_permission(self, request):
        # Deleting drafts (has_delete_permission is False: issued invoices are never deleted).
        return request.user.has_perm("billing.delete_invoice")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name="billing_invoice_export"),
            path("close/", wrap(self.close_view), name="billing_invoice_close"),
            path("<int:pk>/credit/", wrap(self.credit_view), name="billing_invoice_credit"),
            path("<int:pk>/issue/", wrap(self.issue_view), name="billing_invoice_issue"),
            *super().get_urls(),
        ]

    @admin.action(description="Issue the selected drafts", permissions=["change"])
    def issue_drafts(self, request, queryset):
        issued = 0
        for invoice in queryset.filter(status=Invoice.Status.DRAFT).order_by("pk"):
            services.invoice_issue(invoice_id=invoice.pk, actor=request.user)
            issued += 1
        self.message_user(request, f"{issued} issued.")

    @admin.action(
        description="Delete the selected drafts (a period close makes them again)",
        permissions=["discard"],
    )
    def delete_drafts(self, request, queryset):
        deleted = 0
        for invoice in queryset.filter(status=Invoice.Status.DRAFT):
            services.invoice_draft_delete(invoice_id=invoice.pk, actor=request.user)
            deleted += 1
        skipped = queryset.count() - deleted
        self.message_user(request, f"{deleted} drafts deleted; {skipped} issued left untouched.")

    @admin.action(
        description="Export the lines of the selected invoices (CSV)", permissions=["view"]
    )
    def export_lines(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))

        def rows():
            for invoice in Invoice.objects.filter(pk__in=ids).order_by("pk"):
                yield from selectors.invoice_line_rows(invoice=invoice)

        return csv_response("invoice-lines.csv", selectors.INVOICE_LINE_COLUMNS, rows())

    def issue_view(self, request, pk):
        _require(request, "billing.change_invoice")
        if request.method != "POST":
            return redirect("admin:billing_invoice_change", pk)
        invoice = services.invoice_issue(invoice_id=pk, actor=request.user)
        self.message_user(request, f"Issued {invoice.number}.")
        return redirect("admin:billing_invoice_change", pk)

    def credit_view(self, request, pk):
        _require(request, "billing.add_invoice")
        invoice = get_object_or_404(Invoice, pk=pk)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                note = services.credit_note_create(
                    invoice_id=invoice.pk,
                    reason=form.cleaned_data["reason"],
                    net_amount=form.cleaned_data["net_amount"],
                    actor=request.user,
                )
            except ValidationError as err:
                form.add_error(None, err)
            else:
                self.message_user(request, "Credit note drafted: check it, then issue it.")
                return redirect("admin:billing_invoice_change", note.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Credit {invoice}",
            "form": form,
            "invoice": invoice,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/form.html", context)

    def export_view(self, request):
        _require(request, "billing.view_invoice")
        form = ExportForm(request.GET or None)
        if request.GET and form.is_valid():
            period = form.cleaned_data["period"]
            bom = form.cleaned_data["bom"]
            if form.cleaned_data["kind"] == "lines":
                return csv_response(
                    f"invoice-lines-{period.label}.csv",
                    selectors.INVOICE_LINE_COLUMNS,
                    selectors.invoice_line_rows(period=period),
                    bom=bom,
                )
            _require(request, "billing.view_usagereading")
            return csv_response(
                f"readings-{period.label}.csv",
                selectors.READING_COLUMNS,
                selectors.reading_rows(period=period),
                bom=bom,
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Export invoice lines or readings",
            "form": form,
            "method": "get",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/form.html", context)

    def close_view(self, request):
        # A close makes invoices and (with BILLING_AUTO_ISSUE) issues them.
        _require(request, "billing.add_invoice", "billing.change_invoice")
        form = ClosePeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.period_close(period=form.cleaned_data["period"])
            except BillingError as err:
                form.add_error(None, str(err))
            else:
                self.message_user(
                    request,
                    f"{result.period}: {result.created} invoices made, {result.issued} issued.",
                )
                return redirect("admin:billing_invoice_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Close a period",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/form.html", context)


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["period_start", "period_end", "closed_at", "invoices_created"]


class UpstreamChargeInline(admin.TabularInline):
    model = UpstreamCharge
    extra = 0
    can_delete = False
    readonly_fields = [
        "filespace_upstream_id", "name", "dimension", "usage", "unit", "unit_price_cents",
        "amount_cents", "is_deleted",
    ]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(UpstreamInvoice)
class UpstreamInvoiceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "upstream_id", "period_start", "amount_due_cents", "currency", "payment_status",
    ]  # fmt: skip
    inlines = [UpstreamChargeInline]
    change_list_template = "billing/admin/upstream_change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("pull/", wrap(self.pull_view), name="billing_upstream_pull"),
            path(
                "reconciliation/",
                wrap(self.reconciliation_view),
                name="billing_reconciliation",
            ),
            *super().get_urls(),
        ]

    def pull_view(self, request):
        _require(request, "billing.add_upstreaminvoice")
        if request.method == "POST":
            try:
                new = services.upstream_invoices_pull()
            except LucidLinkError as err:
                self.message_user(request, f"LucidLink did not answer: {err}", messages.ERROR)
            else:
                self.message_user(request, f"{new} new invoices from LucidLink.")
        return redirect("admin:billing_upstreaminvoice_changelist")

    def reconciliation_view(self, request):
        _require(request, "billing.view_invoice", "billing.view_upstreaminvoice")
        default_period = Period.containing(timezone.now()).previous()
        data = request.GET or {
            "period": default_period.label,
            "fx_rate": settings.BILLING_UPSTREAM_FX_RATE,
        }
        form = ReconciliationForm(data)
        result = csv_url = None
        if form.is_valid():
            result = recon.reconciliation(
                period=form.cleaned_data["period"],
                fx_rate=Decimal(form.cleaned_data["fx_rate"]),
                currency=settings.BILLING_CURRENCY,
            )
            if request.GET.get("format") == "csv":
                return csv_response(
                    f"reconciliation-{result.period.label}.csv",
                    recon.COLUMNS,
                    result.csv_rows(),
                    bom=request.GET.get("bom") == "1",
                )
            query = urlencode(
                {"period": result.period.label, "fx_rate": form.cleaned_data["fx_rate"]}
            )
            csv_url = f"{reverse('admin:billing_reconciliation')}?{query}&format=csv"
        context = {
            **self.admin_site.each_context(request),
            "title": "Reconciliation with LucidLink",
            "form": form,
            "result": result,
            "opts": self.model._meta,
            "billing_tz": settings.BILLING_TIME_ZONE,
            "csv_url": csv_url,
        }
        return TemplateResponse(request, "billing/admin/reconciliation.html", context)
