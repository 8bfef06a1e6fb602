"""The provider's staff roles ("support", "billing") as groups with their permissions.

The same sync runs again after every `migrate` (tenants/apps.py), so models added later
(billing's, say) join their role without a new migration here.
"""

from django.db import migrations


def create_staff_roles(apps, schema_editor):
    from tenants.staff_roles import staff_roles_sync

    staff_roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_portal_settings_and_invitations"),
        ("provisioning", "0002_seed_storage_catalog"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_staff_roles, migrations.RunPython.noop)]
