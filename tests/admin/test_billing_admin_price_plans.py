"""Price plans edited in the admin go through billing's services and leave an audit entry
with what changed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import PricePlan
from tenants.models import AuditEntry
from tests.billing.factories import PricePlanFactory

pytestmark = pytest.mark.django_db


def form_data(plan, **changes):
    data = {
        "name": plan.name, "currency": plan.currency,
        "price_per_gb_month": plan.price_per_gb_month,
        "price_per_egress_gb": plan.price_per_egress_gb,
        "included_egress_gb": plan.included_egress_gb,
        "price_per_user_month": plan.price_per_user_month,
        "monthly_minimum": plan.monthly_minimum, "tax_rate": plan.tax_rate,
    }  # fmt: skip
    data.update(changes)
    return data


def test_editing_a_price_plan_records_who_changed_which_price(staff_client, staff_user):
    plan = PricePlanFactory(price_per_gb_month=Decimal("0.030000"))

    response = staff_client.post(
        reverse("admin:billing_priceplan_change", args=[plan.pk]),
        form_data(plan, price_per_gb_month="0.045"),
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price_per_gb_month == Decimal("0.045000")
    entry = AuditEntry.objects.get(action="price_plan.changed")
    assert entry.actor == staff_user
    assert entry.actor_kind == AuditEntry.ActorKind.STAFF
    assert entry.object_type == "billing.priceplan" and entry.object_id == str(plan.pk)
    assert entry.before == {"price_per_gb_month": "0.030000"}
    assert entry.after == {"price_per_gb_month": "0.045000"}


def test_saving_a_price_plan_unchanged_records_nothing(staff_client):
    plan = PricePlanFactory()
    staff_client.post(reverse("admin:billing_priceplan_change", args=[plan.pk]), form_data(plan))
    assert not AuditEntry.objects.filter(action="price_plan.changed").exists()


def test_adding_a_price_plan_is_audited(staff_client, staff_user):
    template = PricePlanFactory.build(name="Premium")

    response = staff_client.post(reverse("admin:billing_priceplan_add"), form_data(template))

    assert response.status_code == 302
    plan = PricePlan.objects.get(name="Premium")
    entry = AuditEntry.objects.get(action="price_plan.created")
    assert entry.actor == staff_user and entry.object_id == str(plan.pk)
    assert entry.after["price_per_user_month"] == "7.500000"
