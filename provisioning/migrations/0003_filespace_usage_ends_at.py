"""Usage is billed until deletion is asked for, not until LucidLink confirms it."""

from django.db import migrations, models
from django.db.models import F


def from_deleted_at(apps, schema_editor):
    Filespace = apps.get_model("provisioning", "Filespace")
    Filespace.objects.filter(deleted_at__isnull=False).update(usage_ends_at=F("deleted_at"))


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0002_seed_storage_catalog")]

    operations = [
        migrations.AddField(
            model_name="filespace",
            name="usage_ends_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_deleted_at, migrations.RunPython.noop),
    ]
