"""Staff admin for customers, teams, invitations, the audit log and portal settings.

Every change made here goes through the same services the portal uses, so it is checked
the same way and lands in the audit log with the staff member as its actor.
"""

import json

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from provisioning.models import Filespace
from tenants import services
from tenants.admin_paging import EstimatedCountPaginator
from tenants.audit import ACTION_LABELS
from tenants.csv_export import export_as_csv_action
from tenants.models import AuditEntry, Customer, Invitation, Membership, PortalSettings

HISTORY_ROWS = 20


def audit_changelist_url(**params) -> str:
    return reverse("admin:tenants_auditentry_changelist") + "?" + urlencode(params)


def render_history(entries, *, more_url: str):
    """The newest audit entries of an object, as a small table for a change page."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.get_actor_kind_display()
                + (f" ({entry.actor.email})" if entry.actor_id else ""),
                entry.action,
                entry.object_repr,
                change_summary(entry),
            )
            for entry in entries
        ),
    )
    return format_html(
        "<table><thead><tr><th>When (UTC)</th><th>Actor</th><th>Action</th><th>Object</th>"
        "<th>Change</th></tr></thead><tbody>{}</tbody></table>"
        '<p><a href="{}">The whole history</a></p>',
        rows,
        more_url,
    )


def change_summary(entry: AuditEntry) -> str:
    def fmt(values: dict) -> str:
        return ", ".join(f"{key}={value}" for key, value in values.items())

    parts = []
    if entry.before or entry.after:
        parts.append(f"{fmt(entry.before) or '—'} → {fmt(entry.after) or '—'}")
    if entry.message:
        parts.append(entry.message)
    return "; ".join(parts)


# --- Customers -------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_suspended",
        "live_filespaces",
        "limit",
        "members",
        "created_at",
    )
    list_filter = ("is_suspended", "created_at")
    search_fields = (
        "name",
        "memberships__user__email",
        "filespaces__name",
        "filespaces__upstream_id",
    )
    readonly_fields = (
        "is_suspended",
        "suspended_reason",
        "created_at",
        "links",
        "history",
    )
    fields = ("name", "max_filespaces", *readonly_fields)
    inlines = [MembershipInline]
    actions = ["suspend", "unsuspend", "export_csv"]
    show_full_result_count = False
    list_per_page = 100

    export_csv = export_as_csv_action(
        [
            ("id", lambda c: c.pk),
            ("name", lambda c: c.name),
            ("suspended", lambda c: c.is_suspended),
            ("suspended_reason", lambda c: c.suspended_reason),
            ("max_filespaces", lambda c: c.max_filespaces),
            ("created_at", lambda c: c.created_at.isoformat()),
        ]
    )

    def history_view(self, request, object_id, extra_context=None):
        # The admin's own "History" button shows the audit log, where changes are recorded.
        return redirect(audit_changelist_url(customer__id__exact=object_id))

    def has_add_permission(self, request):
        # A customer begins with its owner's sign-up (or an invitation): never empty.
        return False

    def has_delete_permission(self, request, obj=None):
        # Customers stay for billing history; suspend instead.
        return False

    def get_queryset(self, request):
        live = (
            Filespace.objects.filter(customer=OuterRef("pk"))
            .exclude(status=Filespace.Status.DELETED)
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n")
        )
        members = (
            Membership.objects.filter(customer=OuterRef("pk"))
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_filespace_count=Coalesce(Subquery(live, output_field=IntegerField()), 0),
                member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            )
        )

    @admin.display(description="Live filespaces", ordering="live_filespace_count")
    def live_filespaces(self, obj):
        url = (
            reverse("admin:provisioning_filespace_changelist")
            + "?"
            + urlencode({"customer__id__exact": obj.pk})
        )
        return format_html('<a href="{}">{}</a>', url, obj.live_filespace_count)

    @admin.display(description="Limit")
    def limit(self, obj):
        if obj.max_filespaces is not None:
            return obj.max_filespaces
        return f"default ({self._default_limit})"

    @admin.display(description="Members", ordering="member_count")
    def members(self, obj):
        return obj.member_count

    def changelist_view(self, request, extra_context=None):
        # Read the portal-wide default once per page, not once per row.
        self._default_limit = PortalSettings.effective_default_max_filespaces()
        return super().changelist_view(request, extra_context)

    @admin.display(description="Elsewhere")
    def links(self, obj):
        if obj.pk is None:
            return "—"
        filespaces = (
            reverse("admin:provisioning_filespace_changelist")
            + "?"
            + urlencode({"customer__id__exact": obj.pk})
        )
        invitations = (
            reverse("admin:tenants_invitation_changelist")
            + "?"
            + urlencode({"customer__id__exact": obj.pk})
        )
        return format_html(
            '<a href="{}">Filespaces</a> · <a href="{}">Invitations</a> · '
            '<a href="{}">Audit log</a>',
            filespaces,
            invitations,
            audit_changelist_url(customer__id__exact=obj.pk),
        )

    @admin.display(description="Recent history")
    def history(self, obj):
        if obj.pk is None:
            return "—"
        entries = AuditEntry.objects.filter(customer=obj).select_related("actor")[:HISTORY_ROWS]
        return render_history(entries, more_url=audit_changelist_url(customer__id__exact=obj.pk))

    def save_model(self, request, obj, form, change):
        changes = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.CUSTOMER_EDITABLE_FIELDS
        }
        updated = services.customer_update(customer_id=obj.pk, actor=request.user, **changes)
        obj.__dict__.update(
            {field: getattr(updated, field) for field in services.CUSTOMER_EDITABLE_FIELDS}
        )

    @admin.action(description="Suspend the selected customers", permissions=["change"])
    def suspend(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "tenants/admin/suspend_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Suspend customers",
                    "opts": self.model._meta,
                    "count": queryset.count(),
                    "sample": queryset[:20],
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                    "select_across": request.POST.get("select_across", "0"),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        reason = request.POST.get("reason", "").strip()
        done = sum(
            services.customer_suspend(customer_id=pk, actor=request.user, reason=reason)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{done} customers suspended.", messages.SUCCESS)
        return None

    @admin.action(
        description="Lift the suspension of the selected customers", permissions=["change"]
    )
    def unsuspend(self, request, queryset):
        done = sum(
            services.customer_unsuspend(customer_id=pk, actor=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{done} customers unsuspended.", messages.SUCCESS)


# --- Memberships and invitations ---------------------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user_email", "customer", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "customer__name")
    list_select_related = ("user", "customer")
    fields = ("user", "customer", "role", "created_at")
    readonly_fields = ("user", "customer", "created_at")
    show_full_result_count = False
    actions = ["export_csv"]

    export_csv = export_as_csv_action(
        [
            ("customer", lambda m: m.customer.name),
            ("email", lambda m: m.user.email),
            ("role", lambda m: m.role),
            ("since", lambda m: m.created_at.isoformat()),
        ]
    )

    @admin.display(description="Person", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def has_add_permission(self, request):
        # People join through invitations (staff can send one from Invitations).
        return False

    def save_model(self, request, obj, form, change):
        if "role" not in form.changed_data:
            return
        try:
            services.membership_change_role(
                membership_id=obj.pk,
                customer=obj.customer,
                role=form.cleaned_data["role"],
                actor=request.user,
                actor_membership=None,
            )
        except services.ActionRefused as err:
            # Raised as a validation error so the admin shows the form again, unchanged.
            raise PermissionDenied(str(err)) from err

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class RoleForm(form):
            def clean_role(self):
                role = self.cleaned_data["role"]
                instance = self.instance
                if (
                    instance.pk
                    and instance.role == Membership.Role.OWNER
                    and role != Membership.Role.OWNER
                    and not Membership.objects.filter(
                        customer_id=instance.customer_id, role=Membership.Role.OWNER
                    )
                    .exclude(pk=instance.pk)
                    .exists()
                ):
                    raise ValidationError(
                        "The last owner cannot be given another role: make someone else "
                        "owner first."
                    )
                return role

        return RoleForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.ActionRefused as err:
            # The last owner: say why on the membership's page instead of failing.
            self.message_user(request, str(err), messages.ERROR)
            return redirect("admin:tenants_membership_change", object_id)

    def delete_model(self, request, obj):
        services.membership_remove(
            membership_id=obj.pk, customer=obj.customer, actor=request.user, actor_membership=None
        )

    def delete_queryset(self, request, queryset):
        refused = []
        for membership in queryset.select_related("customer", "user"):
            try:
                self.delete_model(request, membership)
            except services.ActionRefused:
                refused.append(membership.user.email)
        if refused:
            self.message_user(
                request,
                f"Not removed (last owner of their organisation): {', '.join(refused)}",
                messages.WARNING,
            )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "customer", "role", "state", "created_at", "expires_at")
    list_filter = ("role", ("accepted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("email", "customer__name")
    list_select_related = ("customer",)
    actions = ["revoke"]
    show_full_result_count = False
    autocomplete_fields = ("customer",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("customer", "email", "role")
        return (
            "customer",
            "email",
            "role",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "accepted_by",
            "revoked_at",
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            return form

        class InviteForm(form):
            def clean(self):
                data = super().clean()
                customer, email = data.get("customer"), data.get("email")
                if (
                    customer
                    and email
                    and Membership.objects.filter(
                        customer=customer, user__email__iexact=email.strip()
                    ).exists()
                ):
                    self.add_error("email", "This person is already a member.")
                return data

        return InviteForm

    @admin.display(description="State")
    def state(self, obj):
        if obj.accepted_at:
            return "accepted"
        if obj.revoked_at:
            return "withdrawn"
        return "expired" if obj.expires_at <= timezone.now() else "open"

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            invitation, _ = services.invitation_create(
                customer=form.cleaned_data["customer"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                actor_membership=None,
            )
        except ValidationError as err:
            raise PermissionDenied("; ".join(err.messages)) from err
        obj.pk = invitation.pk
        obj.__dict__.update(invitation.__dict__)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Withdraw the selected invitations", permissions=["change"])
    def revoke(self, request, queryset):
        done = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            services.invitation_revoke(
                invitation_id=invitation.pk,
                customer=invitation.customer,
                actor=request.user,
                actor_membership=None,
            )
            done += 1
        self.message_user(request, f"{done} invitations withdrawn.", messages.SUCCESS)


# --- Audit log ----------------------------------------------------------------------------------


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action, f"{label} ({action})") for action, label in sorted(ACTION_LABELS.items())]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = "object type"
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [
            (model._meta.label_lower, model._meta.verbose_name.capitalize())
            for label in ("tenants", "provisioning", "billing")
            for model in apps.get_app_config(label).get_models()
        ]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by services, never edited."""

    list_display = (
        "created_at",
        "customer",
        "actor_kind",
        "actor_email",
        "action",
        "object_link",
        "change",
    )
    # Fixed choices: a DISTINCT over the whole log on every page would defeat the paging.
    list_filter = ("actor_kind", "created_at", ActionFilter, ObjectTypeFilter)
    search_fields = (
        "object_repr",
        "object_id",
        "action",
        "actor__email",
        "customer__name",
        "message",
    )
    list_select_related = ("customer", "actor")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 100
    actions = ["export_csv"]
    # Links from a customer's or filespace's page filter by these.
    ALLOWED_LOOKUPS = {"customer__id__exact", "object_id"}

    export_csv = export_as_csv_action(
        [
            ("created_at", lambda e: e.created_at.isoformat()),
            ("customer", lambda e: e.customer.name if e.customer_id else ""),
            ("actor_kind", lambda e: e.actor_kind),
            ("actor", lambda e: e.actor.email if e.actor_id else ""),
            ("action", lambda e: e.action),
            ("object_type", lambda e: e.object_type),
            ("object_id", lambda e: e.object_id),
            ("object", lambda e: e.object_repr),
            ("before", lambda e: json.dumps(e.before, sort_keys=True)),
            ("after", lambda e: json.dumps(e.after, sort_keys=True)),
            ("message", lambda e: e.message),
        ]
    )

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.ALLOWED_LOOKUPS or super().lookup_allowed(lookup, value, request)

    @admin.display(description="Actor", ordering="actor__email")
    def actor_email(self, obj):
        return obj.actor.email if obj.actor_id else "—"

    @admin.display(description="Object")
    def object_link(self, obj):
        url = audit_changelist_url(object_type=obj.object_type, object_id=obj.object_id)
        return format_html(
            '<a href="{}" title="History of this object">{}</a>', url, obj.object_repr
        )

    @admin.display(description="Change")
    def change(self, obj):
        return change_summary(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Portal settings ------------------------------------------------------------------------------


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    fields = ("default_max_filespaces", "updated_at")
    readonly_fields = ("updated_at",)

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it (made on first visit, with the settings' default).
        portal, _ = PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON_ID)
        return redirect("admin:tenants_portalsettings_change", portal.pk)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.portal_settings_update(
            actor=request.user, default_max_filespaces=form.cleaned_data["default_max_filespaces"]
        )
