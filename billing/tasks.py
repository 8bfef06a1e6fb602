"""Celery tasks of billing: each calls one service and owns its retries."""

import logging

from celery import shared_task

from billing import services
from provisioning.lucidlink.errors import LucidLinkError, RateLimited

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, acks_late=True)
def usage_collect(self) -> str:
    """One reading per filespace for this window; a retry in the same window is harmless."""
    try:
        result = services.usage_collect()
    except RateLimited as err:
        raise self.retry(countdown=max(err.retry_after or 60, 1)) from err
    except LucidLinkError as err:
        raise self.retry(countdown=60 * (self.request.retries + 1)) from err
    return (
        f"window {result.window_start:%Y-%m-%d %H:%M}: {result.stored} stored, "
        f"{result.missing} missing upstream, {result.unknown} unknown"
    )


@shared_task(acks_late=True)
def period_close_due() -> str:
    results = services.period_close_due()
    return "; ".join(f"{r.period}: {r.created} created, {r.issued} issued" for r in results)


@shared_task(bind=True, max_retries=5, acks_late=True)
def upstream_invoices_pull(self) -> str:
    try:
        new = services.upstream_invoices_pull()
    except LucidLinkError as err:
        raise self.retry(countdown=600) from err
    return f"{new} new LucidLink invoices"
