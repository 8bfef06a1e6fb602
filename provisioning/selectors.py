"""Reads of filespaces, always scoped to one customer."""

from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from provisioning.models import Filespace, StorageOption
from tenants.models import AuditEntry, Customer


def filespace_list(*, customer: Customer, include_deleted: bool = False) -> QuerySet[Filespace]:
    qs = Filespace.objects.filter(customer=customer).select_related("storage_option")
    if not include_deleted:
        qs = qs.exclude(status=Filespace.Status.DELETED)
    return qs


def filespace_get(*, customer: Customer, pk: int) -> Filespace:
    """The customer's filespace; another tenant's id is as missing as one that never existed."""
    try:
        return filespace_list(customer=customer, include_deleted=True).get(pk=pk)
    except Filespace.DoesNotExist as err:
        raise Http404("No such filespace.") from err


def filespace_just_ordered(*, customer: Customer, user, name: str) -> Filespace | None:
    """The live filespace of that name this user ordered in the last two minutes, if any."""
    return (
        filespace_list(customer=customer)
        .filter(name=name, ordered_by=user, created_at__gte=timezone.now() - timedelta(minutes=2))
        .exclude(status=Filespace.Status.DELETING)
        .first()
    )


def filespace_history(*, filespace: Filespace) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=Filespace._meta.label_lower, object_id=str(filespace.pk)
    ).order_by("created_at", "id")


def storage_option_list() -> QuerySet[StorageOption]:
    return StorageOption.objects.filter(enabled=True)
