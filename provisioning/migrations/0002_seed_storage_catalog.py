"""Realistic default storage options; staff edit them in the admin afterwards."""

from django.db import migrations

CATALOG = [
    # provider, region, owner, subscription type, label
    ("Wasabi", "us-east-1", "lucidlink", "basic", "Wasabi · US East (N. Virginia)"),
    ("Wasabi", "us-west-1", "lucidlink", "basic", "Wasabi · US West (Oregon)"),
    ("Wasabi", "eu-central-1", "lucidlink", "basic", "Wasabi · EU Central (Amsterdam)"),
    ("Wasabi", "ap-northeast-1", "lucidlink", "basic", "Wasabi · Asia Pacific (Tokyo)"),
    ("IBM", "us-south", "lucidlink", "teams", "IBM Cloud · US South (Dallas), Teams"),
    ("IBM", "eu-de", "lucidlink", "teams", "IBM Cloud · EU (Frankfurt), Teams"),
    ("IBM", "eu-de", "lucidlink", "enterprise", "IBM Cloud · EU (Frankfurt), Enterprise"),
    ("AWS", "us-east-1", "customer", "custom", "Your AWS S3 · us-east-1"),
    ("AWS", "eu-west-1", "customer", "custom", "Your AWS S3 · eu-west-1"),
    ("Azure", "westeurope", "customer", "custom", "Your Azure Blob · West Europe"),
    ("Azure", "eastus", "customer", "custom", "Your Azure Blob · East US"),
    ("GCP", "us-central1", "customer", "custom", "Your Google Cloud Storage · us-central1"),
    ("GCP", "europe-west1", "customer", "custom", "Your Google Cloud Storage · europe-west1"),
    ("Other", "us-east-1", "customer", "custom", "Your S3-compatible storage (with endpoint)"),
]


def seed(apps, schema_editor):
    StorageOption = apps.get_model("provisioning", "StorageOption")
    for order, (provider, region, owner, subscription, label) in enumerate(CATALOG):
        StorageOption.objects.get_or_create(
            provider=provider,
            region=region,
            owner=owner,
            subscription_type=subscription,
            defaults={"label": label, "sort_order": (order + 1) * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
