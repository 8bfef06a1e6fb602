"""The provider's staff roles as Django groups, and the permissions each one holds.

Permissions are named by app label and model, so a billing model added later joins the
"billing" role without a change here. `staff_roles_sync` sets every group to exactly the
permissions below; it runs from a migration and again after every `migrate` (see
apps.py), so it is safe to run as often as anyone likes.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

# role -> [(app label, model name or "*" for every model of the app, actions)]
STAFF_ROLES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    # Customers and provisioning, no money.
    "support": [
        ("tenants", "customer", ("view", "change")),
        ("tenants", "membership", ("view", "change", "delete")),
        ("tenants", "invitation", ALL),
        ("tenants", "auditentry", VIEW),
        ("tenants", "portalsettings", ("view", "change")),
        ("provisioning", "filespace", ("view", "change")),
        ("provisioning", "storageoption", ALL),
        ("django_celery_beat", "periodictask", VIEW),
    ],
    # Plans, invoices, exports; may look at customers and filespaces to answer questions.
    "billing": [
        ("billing", "*", ALL),
        ("tenants", "customer", VIEW),
        ("tenants", "membership", VIEW),
        ("tenants", "auditentry", VIEW),
        ("provisioning", "filespace", VIEW),
        ("provisioning", "storageoption", VIEW),
    ],
}


def staff_roles_sync(*, apps=global_apps, verbosity: int = 0) -> None:
    """Create the groups and give each exactly its permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    labels = {label for rules in STAFF_ROLES.values() for label, _, _ in rules}
    for label in labels:
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            continue
        # Permissions are otherwise made only after the whole migrate run: make them now.
        # Historical app configs have no models module, which create_permissions wants.
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=verbosity, apps=apps)
        finally:
            if stub:
                app_config.models_module = None
    for name, rules in STAFF_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for label, model, actions in rules:
            perms = Permission.objects.filter(content_type__app_label=label)
            if model != "*":
                perms = perms.filter(content_type__model=model)
            wanted += [perm.pk for perm in perms if perm.codename.split("_", 1)[0] in set(actions)]
        group.permissions.set(wanted)
