"""The admin's "export as CSV" action: the selected rows, streamed, with formula-like
text defused (portal.csv_export), and who exported what in the audit log."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone

from portal.csv_export import CHUNK_ROWS, csv_response
from tenants.audit import audit_record_export

Column = tuple[str, Callable[[Any], Any]]


def _rows(queryset, columns: list[Column]) -> Iterator[list[Any]]:
    for obj in queryset.iterator(chunk_size=CHUNK_ROWS):
        yield [getter(obj) for _, getter in columns]


def export_as_csv_action(columns: Iterable[Column], *, description: str = "Export as CSV"):
    """An admin action that streams the selected rows with these columns, and records who
    exported what in the audit log."""
    columns = list(columns)

    def export_as_csv(modeladmin, request, queryset):
        model = queryset.model
        audit_record_export(model=model, count=queryset.count(), actor=request.user)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        return csv_response(
            f"{model._meta.model_name}-{stamp}.csv",
            [header for header, _ in columns],
            _rows(queryset, columns),
        )

    export_as_csv.short_description = description
    export_as_csv.allowed_permissions = ("view",)
    return export_as_csv
