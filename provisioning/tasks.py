"""Celery tasks of provisioning: each loads ids, calls one service and owns its retries."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from provisioning import services
from provisioning.lucidlink.errors import LucidLinkError, RateLimited

logger = logging.getLogger(__name__)

ROUND_LOCK_KEY = "provisioning:status-round-running"
ROUND_SCHEDULED_KEY = "provisioning:status-round-scheduled"


@shared_task(bind=True, max_retries=None, acks_late=True)
def filespace_provision(self, filespace_id: int) -> str:
    outcome = services.filespace_provision(filespace_id=filespace_id)
    if outcome.retry_in is not None:
        # Never sleep in a worker: come back later.
        raise self.retry(countdown=max(outcome.retry_in, 0.5))
    schedule_status_round()
    return outcome.reason


@shared_task
def filespace_status_round() -> str:
    """One GET /filespaces refreshes every pending filespace; repeats while any is pending."""
    if not cache.add(ROUND_LOCK_KEY, 1, timeout=120):
        return "another round is running"
    try:
        result = services.filespace_status_round()
    except RateLimited as err:
        schedule_status_round(delay=err.retry_after)
        return f"rate limited: {err}"
    except LucidLinkError as err:
        schedule_status_round(delay=settings.PROVISIONING_POLL_SECONDS * 2)
        return f"upstream unavailable: {err}"
    finally:
        cache.delete(ROUND_LOCK_KEY)
    if result.pending:
        schedule_status_round()
    return f"{result.changed} changed, {result.pending} pending"


def schedule_status_round(*, delay: float | None = None) -> None:
    """Queue the next round unless one is already queued."""
    delay = settings.PROVISIONING_POLL_SECONDS if delay is None else delay
    if cache.add(ROUND_SCHEDULED_KEY, 1, timeout=max(delay * 0.9, 0.5)):
        filespace_status_round.apply_async(countdown=delay)


@shared_task
def filespace_resume_stalled() -> int:
    """Safety net: re-queue orders whose message was lost or whose worker died."""
    ids = services.filespace_stalled_ids()
    for filespace_id in ids:
        filespace_provision.delay(filespace_id)
    if ids:
        logger.warning("Re-queued %d stalled orders", len(ids))
    return len(ids)


@shared_task(bind=True, max_retries=None, acks_late=True)
def filespace_delete_upstream(self, filespace_id: int) -> str:
    """Delete a filespace pending deletion at LucidLink; the service bounds the retries."""
    outcome = services.filespace_delete_upstream(filespace_id=filespace_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=max(outcome.retry_in, 0.5))
    return outcome.reason


@shared_task
def filespace_resume_stalled_deletions() -> int:
    """Safety net: re-queue deletions whose retry message was lost or whose worker died."""
    ids = services.filespace_stalled_deletion_ids()
    for filespace_id in ids:
        filespace_delete_upstream.delay(filespace_id)
    if ids:
        logger.warning("Re-queued %d stalled deletions", len(ids))
    return len(ids)


@shared_task
def filespace_retry_batch(filespace_ids: list[int], actor_id: int | None) -> int:
    """Staff's "retry" on a large selection, done here rather than in the admin request."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first()
    for filespace_id in filespace_ids:
        services.filespace_retry(filespace_id=filespace_id, actor=actor)
    return len(filespace_ids)
