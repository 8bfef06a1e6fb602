"""Writes for filespaces: ordering, creating upstream without ever creating twice,
following status, and the transitions that record why a filespace changed.

The LucidLink create call is not idempotent, so creation is guarded by a lease on the
row and a count of attempts:
- a worker takes the lease (row lock, short transaction) before it talks to the API;
  another worker finding an unexpired lease backs off, so two never POST at once;
- the first attempt POSTs. Any later attempt (after a timeout, a 5xx, a dropped
  connection, a crashed worker) first looks the name up and adopts what it finds:
  a previous POST of ours may have been committed upstream without us hearing.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from provisioning.lucidlink import LucidLinkClient, types
from provisioning.lucidlink.errors import (
    AuthenticationFailed,
    Conflict,
    Invalid,
    LucidLinkError,
    NotFound,
    RateLimited,
    RegionDisabled,
    Unavailable,
    UnexpectedResponse,
)
from provisioning.models import Filespace, StorageOption
from provisioning.naming import (
    validate_bucket_name,
    validate_endpoint,
    validate_filespace_name,
)
from provisioning.upstream import (
    domain_id,
    lucidlink_client,
    upstream_names,
    upstream_names_remember,
)
from tenants import notifications
from tenants.audit import audit_entry, audit_record
from tenants.models import AuditEntry, Customer, Membership

logger = logging.getLogger(__name__)

Cause = AuditEntry.ActorKind
UPSTREAM_STATUS_MAP = {
    "provisioning": Filespace.Status.PROVISIONING,
    "provisioned": Filespace.Status.READY,
    "initialized": Filespace.Status.INITIALIZED,
    "error": Filespace.Status.ERROR,
}
# Time a worker may hold an order while it talks to the API: both timeouts and a margin.
LEASE_MARGIN = timedelta(seconds=15)


class OrderRefused(Exception):
    """The customer may not order right now; the message says why, for the customer."""


# --- Transitions -------------------------------------------------------------------------


def filespace_transition(
    *,
    filespace: Filespace,
    to: str,
    cause: str,
    actor=None,
    message: str = "",
    extra_fields: tuple[str, ...] = (),
) -> None:
    """Change a filespace's status and record the change with its cause. Caller holds the row."""
    before = filespace.status
    if before == to and not extra_fields:
        return
    now = timezone.now()
    fields = set(extra_fields) | {"updated_at"}
    if before != to:
        filespace.status = to
        filespace.status_changed_at = now
        fields |= {"status", "status_changed_at"}
        if to == Filespace.Status.READY and filespace.provisioned_at is None:
            filespace.provisioned_at = now
            fields.add("provisioned_at")
    filespace.save(update_fields=sorted(fields))
    if before != to:
        audit_record(
            action="filespace.status",
            obj=filespace,
            actor=actor,
            actor_kind=cause,
            customer=filespace.customer,
            before={"status": before},
            after={"status": to},
            message=message,
        )
        if to in _NOTIFIED_STATUSES:
            transaction.on_commit(lambda: _NOTIFIED_STATUSES[to](filespace))


_NOTIFIED_STATUSES = {
    Filespace.Status.READY: notifications.notify_filespace_ready,
    Filespace.Status.ERROR: notifications.notify_filespace_failed,
}


def _fail(filespace: Filespace, *, customer_message: str, detail: str, cause: str) -> None:
    filespace.error_message = customer_message[:500]
    filespace.error_detail = detail
    filespace.lease_until = None
    filespace.next_attempt_at = None
    filespace_transition(
        filespace=filespace,
        to=Filespace.Status.ERROR,
        cause=cause,
        message=customer_message,
        extra_fields=("error_message", "error_detail", "lease_until", "next_attempt_at"),
    )


# --- Ordering ----------------------------------------------------------------------------


def order_check_allowed(*, customer: Customer, membership: Membership | None, user) -> None:
    """Raise OrderRefused with a message for the customer when they may not order now."""
    if membership is None or membership.customer_id != customer.pk or not membership.can_order:
        raise PermissionDenied("Your role does not allow ordering filespaces.")
    if customer.is_suspended:
        raise OrderRefused(
            "Your organisation is suspended, so new orders are paused. Please contact support."
        )
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        raise OrderRefused(
            "Please verify your email address before ordering: follow the link we sent you."
        )
    live = Filespace.objects.filter(customer=customer).exclude(status=Filespace.Status.DELETED)
    if live.count() >= customer.filespace_limit:
        raise OrderRefused(
            f"Your organisation has reached its limit of {customer.filespace_limit} "
            f"filespace{pluralize(customer.filespace_limit)}. "
            "Delete one or contact support to raise the limit."
        )


def filespace_name_taken(*, name: str, client: LucidLinkClient | None = None) -> bool:
    """Is the name used in the provider's domain by anyone (here, or upstream)?"""
    domain = settings.LUCIDLINK_DOMAIN
    if (
        Filespace.objects.filter(domain_name=domain, name=name)
        .exclude(status=Filespace.Status.DELETED)
        .exists()
    ):
        return True
    if client is None:
        return False
    try:
        return name in upstream_names(client)
    except LucidLinkError:
        # The API is unreachable: the order goes ahead and the worker will learn of a
        # clash (409) and report it; a customer is never blocked by our network.
        logger.warning("Name check upstream skipped: LucidLink API unavailable")
        return False


def filespace_order_validate(
    *, name: str, storage_option: StorageOption, endpoint: str = "", bucket: str = ""
) -> dict[str, list[str]]:
    """Field errors for an order, as the API would refuse it, plus the name's availability."""
    errors: dict[str, list[str]] = {}

    def add(field: str, err: ValidationError) -> None:
        errors.setdefault(field, []).extend(err.messages)

    try:
        validate_filespace_name(name)
    except ValidationError as err:
        add("name", err)
    if not storage_option.enabled:
        errors.setdefault("storage_option", []).append("This storage option is not available.")
    if endpoint and not storage_option.accepts_endpoint:
        errors.setdefault("endpoint", []).append(
            f"{storage_option.get_provider_display()} does not accept a custom endpoint."
        )
    if endpoint and storage_option.accepts_endpoint:
        try:
            validate_endpoint(endpoint)
        except ValidationError as err:
            add("endpoint", err)
    if storage_option.provider == StorageOption.Provider.OTHER and not endpoint:
        errors.setdefault("endpoint", []).append(
            "Enter the endpoint of your S3-compatible storage."
        )
    if bucket:
        try:
            validate_bucket_name(bucket)
        except ValidationError as err:
            add("bucket", err)
    if "name" not in errors and filespace_name_taken(name=name, client=_client_or_none()):
        errors.setdefault("name", []).append(
            "This name is already taken. Filespace names are shared by every customer of "
            "this service: please choose another."
        )
    return errors


def _client_or_none() -> LucidLinkClient | None:
    if not settings.LUCIDLINK_CLIENT_ID:
        return None
    return lucidlink_client()


def filespace_order(
    *,
    customer: Customer,
    membership: Membership | None,
    user,
    name: str,
    storage_option: StorageOption,
    endpoint: str = "",
    bucket: str = "",
) -> Filespace:
    """Record an order and hand it to a worker once it is committed.

    Raises OrderRefused, PermissionDenied, or ValidationError (a dict of field errors).
    """
    order_check_allowed(customer=customer, membership=membership, user=user)
    errors = filespace_order_validate(
        name=name, storage_option=storage_option, endpoint=endpoint, bucket=bucket
    )
    if errors:
        raise ValidationError(errors)
    filespace = Filespace(
        customer=customer,
        name=name,
        domain_name=settings.LUCIDLINK_DOMAIN,
        storage_option=storage_option,
        endpoint=endpoint,
        bucket=bucket,
        ordered_by=user,
    )
    try:
        with transaction.atomic():
            # Re-check the limit under a lock on the customer: two tabs ordering at once
            # must not both pass it.
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            order_check_allowed(customer=locked, membership=membership, user=user)
            filespace.save()
            audit_record(
                action="filespace.ordered",
                obj=filespace,
                actor=user,
                actor_kind=Cause.CUSTOMER,
                customer=customer,
                after={
                    "name": filespace.qualified_name,
                    "storage": storage_option.label,
                    "endpoint": endpoint,
                    "bucket": bucket,
                },
            )
            transaction.on_commit(lambda: _enqueue_provision(filespace.pk))
    except IntegrityError as err:
        # The unique constraint on live names: a double submit or a race with another
        # customer for the same name. Nothing was created by this call.
        raise ValidationError(
            {"name": ["This name is already taken. Please choose another."]}
        ) from err
    return filespace


def _enqueue_provision(filespace_id: int) -> None:
    from provisioning.tasks import filespace_provision

    filespace_provision.delay(filespace_id)


# --- Creating upstream -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a provisioning step asks of its task: nothing more, or to run again later."""

    retry_in: float | None = None
    reason: str = ""


def _backoff(attempt: int) -> float:
    base = min(settings.PROVISIONING_MAX_BACKOFF, 2.0 * (2 ** max(attempt - 1, 0)))
    return base * random.uniform(0.8, 1.2)


def filespace_provision(
    *, filespace_id: int, client: LucidLinkClient | None = None, now: datetime | None = None
) -> Outcome:
    """Create the filespace upstream, exactly once, whatever the network does."""
    now = now or timezone.now()
    # Long enough for the worst attempt: a lookup, the domain and the POST, each of which
    # may fetch a token and retry once after a 401.
    lease = (
        timedelta(
            seconds=6 * (settings.LUCIDLINK_CONNECT_TIMEOUT + settings.LUCIDLINK_READ_TIMEOUT)
        )
        + LEASE_MARGIN
    )
    with transaction.atomic():
        filespace = (
            Filespace.objects.select_for_update().select_related("storage_option", "customer")
        ).get(pk=filespace_id)
        if filespace.status != Filespace.Status.ORDERED or filespace.upstream_id:
            return Outcome(reason=f"nothing to do: {filespace.status}")
        if filespace.lease_until and filespace.lease_until > now:
            return Outcome(
                retry_in=(filespace.lease_until - now).total_seconds() + 1,
                reason="another worker holds this order",
            )
        filespace.create_attempts += 1
        filespace.lease_until = now + lease
        filespace.next_attempt_at = None
        filespace.save(
            update_fields=["create_attempts", "lease_until", "next_attempt_at", "updated_at"]
        )
    attempt = filespace.create_attempts
    client = client or lucidlink_client()
    try:
        found = None
        if attempt > 1:
            found = client.find_filespace(filespace.qualified_name)
        if found is not None:
            return _adopt_or_conflict(filespace_id, found, attempt=attempt)
        created = client.create_filespace(
            domain_id=domain_id(client),
            name=filespace.name,
            storage=types.Storage(
                provider=filespace.storage_option.provider,
                owner=filespace.storage_option.owner,
                region=filespace.storage_option.region,
                endpoint=filespace.endpoint or None,
                bucket=filespace.bucket or None,
            ),
            subscription_type=filespace.storage_option.subscription_type,
        )
    except Conflict:
        # Our own earlier POST may have gone through; otherwise the name is someone else's.
        try:
            found = client.find_filespace(filespace.qualified_name)
        except LucidLinkError as err:
            return _release_for_retry(filespace_id, attempt, err, now=now)
        return _adopt_or_conflict(filespace_id, found, attempt=attempt)
    except RateLimited as err:
        return _release_for_retry(filespace_id, attempt, err, wait=err.retry_after, now=now)
    except (Unavailable, AuthenticationFailed, UnexpectedResponse) as err:
        # The POST may or may not have been committed: the next attempt looks first.
        return _release_for_retry(filespace_id, attempt, err, now=now)
    except (RegionDisabled, Invalid, NotFound) as err:
        return _end_in_error(filespace_id, err, attempt=attempt)
    return _record_created(filespace_id, created, attempt=attempt)


SUPERSEDED = Outcome(reason="a later attempt took this order over")


def _owned(filespace_id: int, attempt: int) -> Filespace | None:
    """Lock the order and return it if this attempt still owns it; None when a later
    attempt (after this one's lease ran out) has taken over, whose result then stands."""
    filespace = (
        Filespace.objects.select_for_update()
        .select_related("storage_option", "customer")
        .get(pk=filespace_id)
    )
    if (
        filespace.status != Filespace.Status.ORDERED
        or filespace.upstream_id
        or filespace.create_attempts != attempt
    ):
        return None
    return filespace


def _link_upstream(filespace: Filespace, upstream: types.Filespace, *, message: str) -> None:
    filespace.upstream_id = upstream.id
    filespace.upstream_status = upstream.status or ""
    filespace.lease_until = None
    filespace.error_detail = ""
    filespace_transition(
        filespace=filespace,
        to=UPSTREAM_STATUS_MAP.get(upstream.status, Filespace.Status.PROVISIONING),
        cause=Cause.TASK,
        message=message,
        extra_fields=("upstream_id", "upstream_status", "lease_until", "error_detail"),
    )


def _record_created(filespace_id: int, created: types.Filespace, *, attempt: int) -> Outcome:
    with transaction.atomic():
        filespace = _owned(filespace_id, attempt)
        if filespace is None:
            return SUPERSEDED
        _link_upstream(filespace, created, message="Created at LucidLink.")
    return Outcome()


def _adopt_or_conflict(
    filespace_id: int, found: types.Filespace | None, *, attempt: int
) -> Outcome:
    with transaction.atomic():
        filespace = _owned(filespace_id, attempt)
        if filespace is None:
            return SUPERSEDED
        if found is None:
            # 409 but nothing found by name: the clash vanished (deleted meanwhile). Try again.
            retry_in = _backoff(attempt)
            filespace.lease_until = None
            filespace.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            filespace.save(update_fields=["lease_until", "next_attempt_at", "updated_at"])
            return Outcome(retry_in=retry_in, reason="conflict vanished")
        ours = (
            attempt > 1
            and found.storage.provider == filespace.storage_option.provider
            and not Filespace.objects.filter(upstream_id=found.id).exclude(pk=filespace.pk).exists()
        )
        if not ours:
            _fail(
                filespace,
                customer_message=(
                    "This name is already taken at LucidLink. Please order again with another name."
                ),
                detail=f"409 from LucidLink; upstream filespace {found.id} is not one we created.",
                cause=Cause.UPSTREAM,
            )
            return Outcome(reason="name taken upstream")
        _link_upstream(
            filespace,
            found,
            message="Adopted the filespace an earlier attempt created at LucidLink.",
        )
    return Outcome(reason="adopted")


def _release_for_retry(
    filespace_id: int,
    attempt: int,
    err: LucidLinkError,
    *,
    now: datetime,
    wait: float | None = None,
) -> Outcome:
    """Let the next attempt run later; past the provisioning time limit, stop and tell staff."""
    retry_in = wait if wait is not None else _backoff(attempt)
    with transaction.atomic():
        filespace = _owned(filespace_id, attempt)
        if filespace is None:
            return SUPERSEDED
        if now - filespace.created_at > settings.PROVISIONING_TIMEOUT:
            _fail(
                filespace,
                customer_message="We could not reach LucidLink to set up this filespace. Our "
                "staff have been told and will follow up.",
                detail=f"Gave up after {attempt} attempts over {settings.PROVISIONING_TIMEOUT}; "
                f"last: {err}. An attempt may have reached LucidLink: a retry from the admin "
                "looks the name up before creating anything.",
                cause=Cause.TASK,
            )
            return Outcome(reason="gave up")
        filespace.lease_until = None
        filespace.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
        filespace.error_detail = f"Attempt {attempt}: {err}"
        filespace.save(
            update_fields=["lease_until", "next_attempt_at", "error_detail", "updated_at"]
        )
    logger.info("Filespace %s: attempt %s deferred %.1fs: %s", filespace_id, attempt, retry_in, err)
    return Outcome(retry_in=retry_in, reason=str(err))


_CUSTOMER_MESSAGES = {
    RegionDisabled: "LucidLink is not creating filespaces in this region right now. "
    "Please order again with another region, or later.",
    Invalid: "LucidLink refused this order as invalid. Please check the details and order again.",
    NotFound: "The service is not set up to create filespaces yet. Please contact support.",
}


def _end_in_error(filespace_id: int, err: LucidLinkError, *, attempt: int) -> Outcome:
    with transaction.atomic():
        filespace = _owned(filespace_id, attempt)
        if filespace is None:
            return SUPERSEDED
        message = _CUSTOMER_MESSAGES.get(type(err), "The order could not be completed.")
        if isinstance(err, Invalid) and err.message:
            message = f"LucidLink refused this order: {err.message}"
        _fail(filespace, customer_message=message, detail=str(err), cause=Cause.UPSTREAM)
    return Outcome(reason=str(err))


# --- Following status --------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResult:
    pending: int
    changed: int


def filespace_status_round(
    *, client: LucidLinkClient | None = None, now: datetime | None = None
) -> RoundResult:
    """Refresh every filespace we follow with one GET /filespaces."""
    now = now or timezone.now()
    followed = Filespace.objects.filter(
        upstream_id__isnull=False,
        status__in=[Filespace.Status.PROVISIONING, Filespace.Status.READY],
    )
    if not followed.exists():
        return RoundResult(pending=0, changed=0)
    client = client or lucidlink_client()
    listed = client.list_filespaces()
    upstream_names_remember(listed)
    by_id = {fs.id: fs for fs in listed}
    changed = 0
    # Lock and touch only the rows whose upstream state says something new: a round over
    # thousands of settled filespaces costs one query, not thousands of transactions.
    rows = followed.values_list(
        "pk", "status", "upstream_id", "upstream_status", "created_at", "upstream_missing_since"
    )
    for pk, status, upstream_id, upstream_status, created_at, missing_since in rows.iterator():
        upstream = by_id.get(upstream_id)
        quiet = (
            upstream is not None
            and missing_since is None
            and (upstream.status or "") == upstream_status
            and not (status == Filespace.Status.PROVISIONING
                     and now - created_at > settings.PROVISIONING_TIMEOUT)
        )  # fmt: skip
        if not quiet:
            changed += _apply_upstream(pk, by_id, now=now)
    pending = Filespace.objects.filter(status=Filespace.Status.PROVISIONING).count()
    return RoundResult(pending=pending, changed=changed)


def _apply_upstream(filespace_id: int, by_id: dict[str, types.Filespace], *, now: datetime) -> int:
    with transaction.atomic():
        filespace = (
            Filespace.objects.select_for_update().select_related("customer").get(pk=filespace_id)
        )
        if filespace.status not in {Filespace.Status.PROVISIONING, Filespace.Status.READY}:
            return 0
        upstream = by_id.get(filespace.upstream_id)
        if upstream is None:
            if filespace.upstream_missing_since is None:
                filespace.upstream_missing_since = now
                filespace.error_detail = "Missing from LucidLink's list of filespaces."
                filespace.save(
                    update_fields=["upstream_missing_since", "error_detail", "updated_at"]
                )
                logger.warning("Filespace %s is missing upstream", filespace.qualified_name)
            return 0
        target = UPSTREAM_STATUS_MAP.get(upstream.status, filespace.status)
        timed_out = (
            target == Filespace.Status.PROVISIONING
            and now - filespace.created_at > settings.PROVISIONING_TIMEOUT
        )
        if timed_out:
            _fail(
                filespace,
                customer_message="Provisioning is taking longer than expected. Our staff have "
                "been told and will follow up.",
                detail=f"Still provisioning upstream after {settings.PROVISIONING_TIMEOUT}.",
                cause=Cause.TASK,
            )
            return 1
        fields = []
        if filespace.upstream_status != (upstream.status or ""):
            filespace.upstream_status = upstream.status or ""
            fields.append("upstream_status")
        if filespace.upstream_missing_since is not None:
            filespace.upstream_missing_since = None
            fields.append("upstream_missing_since")
        if target == Filespace.Status.ERROR:
            _fail(
                filespace,
                customer_message="LucidLink could not set up this filespace. Our staff have "
                "been told; you can delete it and order again.",
                detail="LucidLink reports status 'error'.",
                cause=Cause.UPSTREAM,
            )
            return 1
        if target == filespace.status and not fields:
            return 0
        filespace_transition(
            filespace=filespace, to=target, cause=Cause.UPSTREAM, extra_fields=tuple(fields)
        )
        return 1 if target != Filespace.Status.PROVISIONING else 0


def filespace_stalled_ids(*, now: datetime | None = None) -> list[int]:
    """Orders a worker should be working on but apparently is not (a lost message, a
    crashed worker): ordered, no live lease, and past their next attempt."""
    now = now or timezone.now()
    grace = timedelta(seconds=30)
    return list(
        Filespace.objects.filter(status=Filespace.Status.ORDERED)
        .exclude(lease_until__gt=now)
        .exclude(next_attempt_at__gt=now - grace)
        .filter(updated_at__lt=now - grace)
        .values_list("pk", flat=True)
    )


# --- Deleting ------------------------------------------------------------------------------
#
# DELETE upstream is irreversible and answers 409 while the filespace is still
# provisioning, so a deletion is a state (DELETING, "pending deletion") that a task works
# off with a bounded backoff. A filespace never created upstream is deleted locally at once;
# an order whose create call may be in flight is refused until it settles, so deleting
# can never leave a filespace at LucidLink that nobody here knows of.

DELETE_MAX_ATTEMPTS = 30


class DeletionRefused(Exception):
    """The filespace cannot be deleted right now; the message says why, for the person."""


def filespace_delete(
    *,
    filespace_id: int,
    customer: Customer | None,
    membership: Membership | None,
    user,
    confirm_name: str,
) -> Filespace:
    """Delete a filespace, typed name as confirmation.

    Customers pass their customer and membership (owner or admin only); staff pass
    customer=None and membership=None (the admin checks their permissions).
    Raises DeletionRefused, PermissionDenied, or Filespace.DoesNotExist (another
    tenant's filespace is as missing as one that never existed).
    """
    with transaction.atomic():
        queryset = Filespace.objects.select_for_update().select_related("customer")
        if customer is not None:
            queryset = queryset.filter(customer=customer)
        filespace = queryset.get(pk=filespace_id)
        staff = membership is None
        if not staff and (
            membership.customer_id != filespace.customer_id or not membership.can_delete
        ):
            raise PermissionDenied("Your role does not allow deleting filespaces.")
        if not staff and filespace.customer.is_suspended:
            raise DeletionRefused(
                "Your organisation is suspended, so nothing can be changed. Please contact support."
            )
        if confirm_name.strip() not in {filespace.name, filespace.qualified_name}:
            raise DeletionRefused(
                f"Type the filespace's name, {filespace.name}, to confirm the deletion."
            )
        if filespace.status in {Filespace.Status.DELETING, Filespace.Status.DELETED}:
            return filespace
        cause = Cause.STAFF if staff else Cause.CUSTOMER
        requested_at = timezone.now()
        audit_record(
            action="filespace.delete_requested",
            obj=filespace,
            actor=user,
            actor_kind=cause,
            customer=filespace.customer,
            before={"status": filespace.status, "upstream_id": filespace.upstream_id},
        )
        if not filespace.upstream_id:
            if filespace.status == Filespace.Status.ORDERED and (
                filespace.create_attempts > 0 or filespace.lease_until is not None
            ):
                # A create call may be in flight or may have reached LucidLink unheard:
                # deleting here could leave a filespace there that nobody follows.
                raise DeletionRefused(
                    "This filespace is still being set up at LucidLink. You can delete it "
                    "once it is ready or has failed; that usually takes a minute or two."
                )
            _mark_deleted(filespace, cause=cause, actor=user, message="Never created upstream.")
            return filespace
        filespace.delete_attempts = 0
        filespace.next_attempt_at = requested_at
        filespace.usage_ends_at = requested_at
        filespace_transition(
            filespace=filespace,
            to=Filespace.Status.DELETING,
            cause=cause,
            actor=user,
            message="Deletion requested.",
            extra_fields=("delete_attempts", "next_attempt_at", "usage_ends_at"),
        )
        transaction.on_commit(lambda: _enqueue_delete(filespace.pk))
    return filespace


def _enqueue_delete(filespace_id: int, countdown: float | None = None) -> None:
    from provisioning.tasks import filespace_delete_upstream

    filespace_delete_upstream.apply_async((filespace_id,), countdown=countdown)


def _mark_deleted(
    filespace: Filespace,
    *,
    cause: str,
    actor=None,
    message: str = "",
    extra_fields: tuple[str, ...] = (),
) -> None:
    # The row stays for billing history and the name is free again (the unique constraint
    # only covers live rows). Usage stopped when the deletion was asked for, or now.
    filespace.deleted_at = timezone.now()
    filespace.usage_ends_at = filespace.usage_ends_at or filespace.deleted_at
    filespace.lease_until = None
    filespace.next_attempt_at = None
    filespace_transition(
        filespace=filespace,
        to=Filespace.Status.DELETED,
        cause=cause,
        actor=actor,
        message=message,
        extra_fields=(
            "deleted_at",
            "usage_ends_at",
            "lease_until",
            "next_attempt_at",
            *extra_fields,
        ),
    )


def _delete_backoff(attempt: int) -> float:
    return _backoff(attempt)


def filespace_delete_upstream(
    *, filespace_id: int, client: LucidLinkClient | None = None
) -> Outcome:
    """One DELETE upstream for a filespace pending deletion; asks to be run again later
    while LucidLink says 409 (still provisioning), 429 or 5xx."""
    with transaction.atomic():
        filespace = Filespace.objects.select_for_update().get(pk=filespace_id)
        if filespace.status != Filespace.Status.DELETING:
            return Outcome(reason=f"nothing to do: {filespace.status}")
        if filespace.delete_attempts >= DELETE_MAX_ATTEMPTS:
            return Outcome(reason="gave up; staff can retry from the admin")
        filespace.delete_attempts += 1
        # While this attempt talks to LucidLink, the safety net leaves the row alone.
        filespace.next_attempt_at = timezone.now() + timedelta(
            seconds=settings.LUCIDLINK_CONNECT_TIMEOUT + settings.LUCIDLINK_READ_TIMEOUT
        )
        filespace.save(update_fields=["delete_attempts", "next_attempt_at", "updated_at"])
    attempt = filespace.delete_attempts
    client = client or lucidlink_client()
    try:
        client.delete_filespace(filespace.upstream_id)
    except NotFound:
        pass  # already gone upstream: the deletion is done
    except LucidLinkError as err:
        return _delete_later(filespace_id, attempt, err)
    with transaction.atomic():
        filespace = (
            Filespace.objects.select_for_update().select_related("customer").get(pk=filespace_id)
        )
        if filespace.status != Filespace.Status.DELETING:
            return Outcome(reason=f"nothing to do: {filespace.status}")
        filespace.error_detail = ""
        _mark_deleted(
            filespace,
            cause=Cause.TASK,
            message="Deleted at LucidLink.",
            extra_fields=("error_detail",),
        )
    return Outcome(reason="deleted")


def _delete_later(filespace_id: int, attempt: int, err: LucidLinkError) -> Outcome:
    wait = getattr(err, "retry_after", None)
    retry_in = wait if wait else _delete_backoff(attempt)
    gave_up = attempt >= DELETE_MAX_ATTEMPTS
    detail = f"Delete attempt {attempt}: {err}"
    if gave_up:
        detail += f" — gave up after {attempt} attempts; retry from the admin."
    Filespace.objects.filter(pk=filespace_id, status=Filespace.Status.DELETING).update(
        next_attempt_at=None if gave_up else timezone.now() + timedelta(seconds=retry_in),
        error_detail=detail,
        updated_at=timezone.now(),
    )
    if gave_up:
        logger.error("Filespace %s: deletion gave up: %s", filespace_id, err)
        return Outcome(reason=detail)
    logger.info(
        "Filespace %s: delete attempt %s deferred %.1fs: %s", filespace_id, attempt, retry_in, err
    )
    return Outcome(retry_in=retry_in, reason=str(err))


def filespace_stalled_deletion_ids(*, now: datetime | None = None) -> list[int]:
    """Deletions whose next attempt is well overdue (a lost message, a crashed worker)."""
    now = now or timezone.now()
    return list(
        Filespace.objects.filter(
            status=Filespace.Status.DELETING, next_attempt_at__lt=now - timedelta(seconds=60)
        ).values_list("pk", flat=True)
    )


# --- Staff repairs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryResult:
    reordered: bool = False
    refresh: bool = False
    redeleting: bool = False


def filespace_retry(*, filespace_id: int, actor) -> RetryResult:
    """Staff's "try again" on a stuck filespace.

    - failed before it existed upstream: back to ordered and queued again. If a create
      call was ever attempted, `create_attempts` stays above zero, so the next attempt
      looks the name up before it creates anything;
    - failed but known upstream: its status is refreshed from LucidLink;
    - pending deletion that gave up: the deletion is tried again.
    """
    with transaction.atomic():
        filespace = (
            Filespace.objects.select_for_update().select_related("customer").get(pk=filespace_id)
        )
        if filespace.status == Filespace.Status.DELETING:
            filespace.delete_attempts = 0
            filespace.next_attempt_at = timezone.now()
            filespace.save(update_fields=["delete_attempts", "next_attempt_at", "updated_at"])
            audit_record(
                action="filespace.delete_retried",
                obj=filespace,
                actor=actor,
                actor_kind=Cause.STAFF,
                customer=filespace.customer,
            )
            transaction.on_commit(lambda: _enqueue_delete(filespace.pk))
            return RetryResult(redeleting=True)
        if filespace.status != Filespace.Status.ERROR:
            return RetryResult()
        if filespace.upstream_id:
            # It exists upstream: the status round decides what it is now. The round
            # follows provisioning and ready filespaces, so hand it back as provisioning.
            filespace.upstream_missing_since = None
            filespace.error_message = ""
            filespace_transition(
                filespace=filespace,
                to=Filespace.Status.PROVISIONING,
                cause=Cause.STAFF,
                actor=actor,
                message="Retried by staff: status refreshed from LucidLink.",
                extra_fields=("upstream_missing_since", "error_message"),
            )
            transaction.on_commit(_enqueue_status_round)
            return RetryResult(refresh=True)
        filespace.lease_until = None
        filespace.next_attempt_at = None
        filespace.error_message = ""
        filespace_transition(
            filespace=filespace,
            to=Filespace.Status.ORDERED,
            cause=Cause.STAFF,
            actor=actor,
            message="Retried by staff.",
            extra_fields=("lease_until", "next_attempt_at", "error_message"),
        )
        transaction.on_commit(lambda: _enqueue_provision(filespace.pk))
        return RetryResult(reordered=True)


def _enqueue_status_round() -> None:
    from provisioning.tasks import filespace_status_round as status_round_task

    status_round_task.delay()


def filespace_refresh_request(*, filespace_ids: list[int], actor) -> int:
    """Staff ask for the status of these filespaces now: one status round covers them all."""
    filespaces = list(Filespace.objects.filter(pk__in=filespace_ids).select_related("customer"))
    with transaction.atomic():
        AuditEntry.objects.bulk_create(
            [
                audit_entry(
                    action="filespace.refresh_requested",
                    obj=filespace,
                    actor=actor,
                    actor_kind=Cause.STAFF,
                    customer=filespace.customer,
                )
                for filespace in filespaces
            ],
            batch_size=500,
        )
        transaction.on_commit(_enqueue_status_round)
    return len(filespaces)
