"""Staff admin for filespaces and the storage catalog.

Upstream state is read-only here: it changes only through services (ordering, the status
round, deletion) and the actions below, each of which is recorded in the audit log.
Long work (talking to LucidLink) is queued for Celery, so any selection is safe.
"""

from celery import current_app
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from provisioning import services
from provisioning.models import Filespace, StorageOption
from provisioning.tasks import filespace_retry_batch
from tenants.admin import HISTORY_ROWS, audit_changelist_url, render_history
from tenants.admin_paging import EstimatedCountPaginator
from tenants.audit import audit_record, audit_record_request
from tenants.csv_export import export_as_csv_action
from tenants.models import AuditEntry

# The billing task that takes one reading of every filespace (one GET /filespaces).
USAGE_COLLECT_TASK = "billing.tasks.usage_collect"
# A retry of more filespaces than this goes to Celery in batches instead of the request.
RETRY_INLINE_LIMIT = 200
RETRY_BATCH_SIZE = 200


@admin.register(Filespace)
class FilespaceAdmin(admin.ModelAdmin):
    list_display = (
        "qualified_name",
        "customer_link",
        "status",
        "region",
        "created_at",
        "last_error",
        "upstream_id",
    )
    list_filter = (
        "status",
        "storage_option__provider",
        "storage_option",
        "customer__is_suspended",
        "created_at",
    )
    search_fields = ("name", "customer__name", "upstream_id", "ordered_by__email")
    list_select_related = ("customer", "storage_option")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 100
    ordering = ("-created_at", "-id")
    actions = ["retry", "refresh_status", "collect_usage", "export_csv"]
    fieldsets = (
        (None, {"fields": ("qualified_name", "customer", "storage_option", "endpoint", "bucket")}),
        (
            "State",
            {
                "fields": (
                    "status",
                    "error_message",
                    "error_detail",
                    "status_changed_at",
                    "provisioned_at",
                    "deleted_at",
                )
            },
        ),
        (
            "Upstream (LucidLink)",
            {
                "fields": (
                    "upstream_id",
                    "upstream_status",
                    "upstream_missing_since",
                    "create_attempts",
                    "lease_until",
                    "next_attempt_at",
                    "delete_attempts",
                )
            },
        ),
        ("Order", {"fields": ("ordered_by", "created_at", "updated_at")}),
        ("History", {"fields": ("history",)}),
    )

    export_csv = export_as_csv_action(
        [
            ("id", lambda f: f.pk),
            ("qualified_name", lambda f: f.qualified_name),
            ("customer", lambda f: f.customer.name),
            ("status", lambda f: f.status),
            ("provider", lambda f: f.storage_option.provider),
            ("region", lambda f: f.storage_option.region),
            ("upstream_id", lambda f: f.upstream_id),
            ("upstream_status", lambda f: f.upstream_status),
            ("created_at", lambda f: f.created_at.isoformat()),
            ("deleted_at", lambda f: f.deleted_at.isoformat() if f.deleted_at else ""),
            ("error_message", lambda f: f.error_message),
        ]
    )

    def get_readonly_fields(self, request, obj=None):
        # Everything: state changes only through the actions (and so the services).
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # customers order; staff cannot create a filespace out of band

    def has_delete_permission(self, request, obj=None):
        return False  # rows stay for billing history; deletion is a customer action

    @admin.display(description="Customer", ordering="customer__name")
    def customer_link(self, obj):
        url = reverse("admin:tenants_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer.name)

    @admin.display(description="Region", ordering="storage_option__region")
    def region(self, obj):
        return f"{obj.storage_option.provider} {obj.storage_option.region}"

    @admin.display(description="Last error")
    def last_error(self, obj):
        text = obj.error_detail or obj.error_message
        return text[:80] + ("…" if len(text) > 80 else "")

    @admin.display(description="Fully qualified name", ordering="name")
    def qualified_name(self, obj):
        return obj.qualified_name

    @admin.display(description="Status history and actions")
    def history_view(self, request, object_id, extra_context=None):
        # The admin's own "History" button shows the audit log, where changes are recorded.
        return redirect(
            audit_changelist_url(object_type=Filespace._meta.label_lower, object_id=object_id)
        )

    def history(self, obj):
        entries = AuditEntry.objects.filter(
            object_type=Filespace._meta.label_lower, object_id=str(obj.pk)
        ).select_related("actor")[:HISTORY_ROWS]
        return render_history(
            entries,
            more_url=audit_changelist_url(
                object_type=Filespace._meta.label_lower, object_id=obj.pk
            ),
        )

    @admin.action(
        description="Retry provisioning (or deletion) of the selected failed filespaces",
        permissions=["change"],
    )
    def retry(self, request, queryset):
        stuck = queryset.filter(status__in=[Filespace.Status.ERROR, Filespace.Status.DELETING])
        # Ids first: no read cursor stays open while each row is written.
        stuck_ids = list(stuck.values_list("pk", flat=True))
        if len(stuck_ids) > RETRY_INLINE_LIMIT:
            for start in range(0, len(stuck_ids), RETRY_BATCH_SIZE):
                batch = stuck_ids[start : start + RETRY_BATCH_SIZE]
                filespace_retry_batch.delay(batch, request.user.pk)
            self.message_user(
                request,
                f"{len(stuck_ids)} stuck filespaces are queued to be retried in the background.",
                messages.SUCCESS,
            )
            return
        reordered = refreshed = redeleting = 0
        for filespace_id in stuck_ids:
            result = services.filespace_retry(filespace_id=filespace_id, actor=request.user)
            reordered += result.reordered
            refreshed += result.refresh
            redeleting += result.redeleting
        self.message_user(
            request,
            f"Queued again: {reordered} orders, {refreshed} status refreshes, "
            f"{redeleting} deletions. Other selected filespaces were not stuck.",
            messages.SUCCESS,
        )

    @admin.action(description="Refresh status from LucidLink now", permissions=["change"])
    def refresh_status(self, request, queryset):
        count = services.filespace_refresh_request(
            filespace_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request,
            f"A status round is queued: it refreshes every followed filespace ({count} "
            "selected) with one call to LucidLink.",
            messages.SUCCESS,
        )

    @admin.action(description="Collect usage now", permissions=["collect_usage"])
    def collect_usage(self, request, queryset):
        audit_record_request(
            action="usage.collect_requested",
            object_type="billing.usagereading",
            actor=request.user,
            message="Usage collection requested from the filespace admin.",
        )
        current_app.send_task(USAGE_COLLECT_TASK)
        self.message_user(
            request,
            "Usage collection is queued: it reads every filespace with one call to LucidLink.",
            messages.SUCCESS,
        )

    def has_collect_usage_permission(self, request):
        user = request.user
        return user.has_perm("provisioning.change_filespace") or user.has_perm(
            "billing.add_usagereading"
        )


@admin.register(StorageOption)
class StorageOptionAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "provider",
        "region",
        "owner",
        "subscription_type",
        "enabled",
        "sort_order",
    )
    list_filter = ("enabled", "provider", "owner", "subscription_type")
    search_fields = ("label", "provider", "region")
    list_editable = ("enabled", "sort_order")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action="storage_option.updated" if change else "storage_option.created",
            obj=obj,
            actor=request.user,
            actor_kind=AuditEntry.ActorKind.STAFF,
            before={field: str(form.initial.get(field, "")) for field in form.changed_data}
            if change
            else {},
            after={field: str(form.cleaned_data.get(field)) for field in form.changed_data},
        )
