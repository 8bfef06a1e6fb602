"""The default price plan (staff edit it in the admin) and the two numbering series."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    PricePlan = apps.get_model("billing", "PricePlan")
    DocumentSequence = apps.get_model("billing", "DocumentSequence")
    if not PricePlan.objects.filter(is_default=True).exists():
        PricePlan.objects.get_or_create(
            name="Standard",
            defaults={
                "currency": "EUR",
                "price_per_gb_month": Decimal("0.030000"),
                "price_per_egress_gb": Decimal("0.010000"),
                "included_egress_gb": Decimal("100.000000"),
                "price_per_user_month": Decimal("7.500000"),
                "monthly_minimum": Decimal("10.00"),
                "tax_rate": Decimal("0.2100"),
                "is_default": True,
            },
        )
    for series in ("INV", "CN"):
        DocumentSequence.objects.get_or_create(series=series)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
