from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Customers and teams"

    def ready(self):
        # The staff groups follow the models: a model added later (billing's, say) gets
        # its permissions into the right group on the next `migrate`, not by hand.
        post_migrate.connect(_sync_staff_roles, dispatch_uid="tenants.staff_roles_sync")


def _sync_staff_roles(sender, app_config=None, apps=None, verbosity=0, **kwargs):
    from django.apps import apps as global_apps

    from tenants.staff_roles import staff_roles_sync

    # post_migrate is sent once per app; the last app's turn sees every model.
    last = [c for c in global_apps.get_app_configs() if c.models_module is not None][-1]
    if app_config is None or app_config.label != last.label:
        return
    staff_roles_sync(apps=apps or global_apps, verbosity=verbosity)
