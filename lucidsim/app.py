"""The simulated service: the API operations and the OAuth2 token endpoint, free of HTTP."""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

from lucidsim import rules
from lucidsim.billing import Biller
from lucidsim.config import Config, Faults
from lucidsim.store import Domain, FilespaceRow, Store
from lucidsim.usage import UsageModels, zero_stats

ILLEGAL_REQUEST = "Illegal request"
ACTIVE_STATUSES = ("provisioned", "initialized")


class ApiError(Exception):
    """Answered as the service's one error envelope `{"status": ..., "message": ...}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Request:
    method: str
    path: str  # under the API prefix, e.g. "/filespaces/abc"
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base_url: str  # scheme://host:port the client used
    params: dict[str, str] = field(default_factory=dict)

    def json(self, *, check_content_type: bool = True) -> Any:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if (
            check_content_type
            and content_type
            and content_type != "application/json"
            and not content_type.endswith("+json")
        ):
            raise ApiError(400, "Content-Type must be application/json")
        if not self.body.strip():
            raise ApiError(400, "Request body is required")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Request body is not valid JSON") from None

    def json_object(self, *, check_content_type: bool = True) -> dict[str, Any]:
        data = self.json(check_content_type=check_content_type)
        if not isinstance(data, dict):
            raise ApiError(400, "Request body must be a JSON object")
        return data


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, str or bytes; None means no body
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


def _check_id(value: str, what: str) -> str:
    if not rules.ID_RE.match(value):
        raise ApiError(400, f"Invalid {what} id {value!r}")
    return value


class Simulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.db, seed=config.seed)
        self.usage = UsageModels(config.seed)
        self.biller = Biller(self)
        self._faults = config.faults
        self._faults_lock = threading.Lock()
        self._rng = random.Random(f"lucidsim-faults:{config.seed}")
        rules.check_domain_name(config.domain)
        if self.store.domain() is None:
            self.store.domain_create(config.domain)

    # -- knobs ----------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        with self._faults_lock:
            return self._faults

    def update_faults(self, changes: dict[str, Any]) -> Faults:
        with self._faults_lock:
            self._faults = self._faults.updated(changes)
            return self._faults

    def draw(self) -> float:
        with self._faults_lock:
            return self._rng.random()

    def reset(self, *, tokens: bool) -> Domain:
        with self.store.lock:
            self.store.reset(tokens=tokens)
            with self._faults_lock:
                self._faults = self.config.faults
            domain = self.store.domain()
            if domain is None:
                return self.store.domain_create(self.config.domain)
            if domain.name != self.config.domain:
                self.store.domain_rename(domain.id, self.config.domain)
                domain = Domain(domain.id, self.config.domain)
            return domain

    # -- auth -----------------------------------------------------------------------------

    def authenticate(self, headers: Message) -> None:
        value = (headers.get("Authorization") or "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value or not self.store.token_valid(value):
            raise ApiError(401, ILLEGAL_REQUEST)

    def issue_token(self, req: Request) -> Reply:
        """`POST /oauth2/token`: client credentials in HTTP Basic, form-encoded grant."""

        def oauth_error(status: int, error: str, description: str) -> Reply:
            headers = {"WWW-Authenticate": 'Basic realm="lucidsim"'} if status == 401 else {}
            body = {"error": error, "error_description": description}
            return Reply(status, body, headers={**headers, "Cache-Control": "no-store"})

        auth = req.headers.get("Authorization") or ""
        if auth[:6].lower() != "basic ":
            return oauth_error(401, "invalid_client", "Client credentials must use HTTP Basic")
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
            client_id, _, client_secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return oauth_error(401, "invalid_client", "Malformed HTTP Basic credentials")
        id_ok = secrets.compare_digest(client_id.encode(), self.config.client_id.encode())
        secret_ok = secrets.compare_digest(
            client_secret.encode(), self.config.client_secret.encode()
        )
        if not (id_ok and secret_ok):
            return oauth_error(401, "invalid_client", "Unknown client or wrong secret")
        content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return oauth_error(
                400, "invalid_request", "Body must be application/x-www-form-urlencoded"
            )
        form = parse_qs(req.body.decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[0]
        if grant != "client_credentials":
            return oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"
            )
        lifetime = self.faults.token_lifetime
        token = secrets.token_urlsafe(32)
        self.store.token_store(token, lifetime=lifetime)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
        return Reply(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- filespace views ------------------------------------------------------------------

    def filespace_stats(self, fs: FilespaceRow, now: float) -> tuple[dict[str, int], int]:
        """(stats, usersCount) as the API shows them at `now`."""
        at = min(now, fs.deleted_at) if fs.deleted_at is not None else now
        if fs.status(at) in ACTIVE_STATUSES:
            stats, users = self.usage.get(fs.id).stats(at - fs.ready_at)
        else:
            stats, users = zero_stats(), 0
        stats.update(fs.stats_override)
        if fs.users_override is not None:
            users = fs.users_override
        return stats, users

    def filespace_json(self, fs: FilespaceRow, now: float | None = None) -> dict[str, Any]:
        now = self.store.now() if now is None else now
        stats, users = self.filespace_stats(fs, now)
        return {
            "id": fs.id,
            "domain": fs.domain_id,
            "name": fs.name,
            "version": fs.version,
            "status": fs.status(now),
            "subscriptionType": fs.subscription_type,
            "usersCount": users,
            "storage": dict(fs.storage),
            "stats": stats,
        }

    def _domain_or_404(self, domain_id: str) -> Domain:
        _check_id(domain_id, "domain")
        domain = self.store.domain()
        if domain is None or domain.id != domain_id:
            raise ApiError(404, f"Domain {domain_id} not found")
        return domain

    def _filespace_or_404(self, filespace_id: str) -> FilespaceRow:
        _check_id(filespace_id, "filespace")
        fs = self.store.filespace(filespace_id)
        if fs is None:
            raise ApiError(404, f"Filespace {filespace_id} not found")
        return fs

    # -- domain operations ----------------------------------------------------------------

    def getDomains(self, req: Request) -> Reply:
        domain = self.store.domain()
        return Reply(200, [domain.as_json()] if domain else [])

    def createDomain(self, req: Request) -> Reply:
        data = req.json_object()
        try:
            name = rules.check_domain_name(data.get("name"))
        except rules.RuleError as exc:
            raise ApiError(400, str(exc)) from None
        with self.store.lock:
            if self.store.domain() is not None:
                raise ApiError(409, "The account already has a domain")
            if name in rules.TAKEN_DOMAIN_NAMES:
                raise ApiError(409, f"Domain name {name!r} is taken")
            domain = self.store.domain_create(name)
        return Reply(201, domain.as_json())

    def getDomain(self, req: Request) -> Reply:
        return Reply(200, self._domain_or_404(req.params["id"]).as_json())

    def _has_filespaces(self, domain: Domain) -> bool:
        return any(fs.domain_id == domain.id for fs in self.store.filespaces())

    def updateDomain(self, req: Request) -> Reply:
        with self.store.lock:
            domain = self._domain_or_404(req.params["id"])
            data = req.json_object()
            try:
                name = rules.check_domain_name(data.get("name"))
            except rules.RuleError as exc:
                raise ApiError(400, str(exc)) from None
            if name != domain.name:
                if self._has_filespaces(domain):
                    raise ApiError(409, "The domain has filespaces")
                if name in rules.TAKEN_DOMAIN_NAMES:
                    raise ApiError(409, f"Domain name {name!r} is taken")
                self.store.domain_rename(domain.id, name)
            return Reply(200, Domain(domain.id, name).as_json())

    def deleteDomain(self, req: Request) -> Reply:
        with self.store.lock:
            domain = self._domain_or_404(req.params["id"])
            if self._has_filespaces(domain):
                raise ApiError(409, "The domain has filespaces")
            self.store.domain_delete(domain.id)
        return Reply(204)

    # -- filespace operations -------------------------------------------------------------

    def getFilespaces(self, req: Request) -> Reply:
        now = self.store.now()
        domain = self.store.domain()
        filespaces = self.store.filespaces()
        wanted = req.query.get("qualifiedName")
        if wanted is not None:
            domain_name = domain.name if domain else None
            filespaces = [
                fs
                for fs in filespaces
                if fs.domain_id == (domain.id if domain else None)
                and f"{fs.name}.{domain_name}" in wanted
            ]
        return Reply(200, [self.filespace_json(fs, now) for fs in filespaces])

    def createFilespace(self, req: Request) -> Reply:
        data = req.json_object()
        faults = self.faults
        with self.store.lock:
            domain = self.store.domain()
            domain_id = data.get("domain")
            try:
                name = rules.check_filespace_name(data.get("name"))
                if domain_id is None:
                    raise rules.RuleError("domain is required (the domain's id)")
                if domain is None or domain_id != domain.id:
                    raise rules.RuleError(f"Unknown domain {domain_id!r}: use the domain's id")
                version = rules.check_version(data.get("version"))
                storage = rules.check_storage(data.get("storage"))
                subscription = rules.check_subscription_type(data.get("subscriptionType"), storage)
            except rules.RuleError as exc:
                raise ApiError(400, str(exc)) from None
            if self.store.filespace_by_name(domain.id, name) is not None:
                raise ApiError(409, f"A filespace named {name!r} already exists in the domain")
            if faults.region_disabled(storage["provider"], storage["region"]):
                raise ApiError(
                    422,
                    f"Filespace creation is currently disabled in region {storage['region']}",
                )
            now = self.store.now()
            filespace_id = self.store.new_id()
            storage.setdefault("bucket", rules.default_bucket(name, filespace_id))
            fate = "error" if re.search(faults.error_pattern, name) else "provisioned"
            fs = FilespaceRow(
                id=filespace_id,
                domain_id=domain.id,
                name=name,
                version=version,
                subscription_type=subscription,
                storage=storage,
                created_at=now,
                ready_at=now + faults.provisioning_delay,
                fate=fate,
                explicit_status=None,
                stats_override={},
                users_override=None,
                deleted_at=None,
            )
            self.store.filespace_insert(fs)
        if faults.drop_after_commit_rate and self.draw() < faults.drop_after_commit_rate:
            return Reply(0, drop=True)
        return Reply(201, self.filespace_json(fs, now))

    def getFilespace(self, req: Request) -> Reply:
        return Reply(200, self.filespace_json(self._filespace_or_404(req.params["id"])))

    def deleteFilespace(self, req: Request) -> Reply:
        with self.store.lock:
            fs = self._filespace_or_404(req.params["id"])
            now = self.store.now()
            if fs.status(now) == "provisioning":
                raise ApiError(409, "Cannot delete a filespace while it is provisioning")
            fs.deleted_at = now
            self.store.filespace_update(fs)
        return Reply(204)

    # -- billing operations ---------------------------------------------------------------

    def payment(self) -> dict[str, Any]:
        return json.loads(self.store.meta("payment"))

    def getPaymentDetails(self, req: Request) -> Reply:
        payment = self.payment()
        payment.pop("paymentSourceToken", None)  # write-only: never echoed back
        return Reply(200, payment)

    def setPaymentDetails(self, req: Request) -> Reply:
        data = req.json_object()
        with self.store.lock:
            payment = self.payment()
            for key in ("description", "paymentSourceToken"):
                if key in data:
                    if not isinstance(data[key], str) or (
                        key == "paymentSourceToken" and not data[key]
                    ):
                        raise ApiError(400, f"{key} must be a non-empty string")
                    payment[key] = data[key]
            if "card" in data:
                payment["card"] = self._check_card(data["card"])
            self.store.set_meta("payment", json.dumps(payment))
        return Reply(200)

    def _check_card(self, card: Any) -> dict[str, Any]:
        if not isinstance(card, dict):
            raise ApiError(400, "card must be an object")
        last4, month, year = (
            card.get("numberLast4"),
            card.get("expiryMonth"),
            card.get("expiryYear"),
        )
        if not isinstance(last4, str) or not re.fullmatch(r"\d{4}", last4):
            raise ApiError(400, "card.numberLast4 must be 4 digits")
        for value, what in ((month, "expiryMonth"), (year, "expiryYear")):
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise ApiError(400, f"card.{what} must be a whole number")
        if not 1 <= month <= 12:
            raise ApiError(400, "card.expiryMonth must be between 1 and 12")
        today = datetime.fromtimestamp(self.store.now(), UTC)
        if (int(year), int(month)) < (today.year, today.month):
            raise ApiError(400, "The card has expired")
        return {"numberLast4": last4, "expiryMonth": int(month), "expiryYear": int(year)}

    def getCurrentPeriod(self, req: Request) -> Reply:
        with self.store.lock:
            return Reply(200, self.biller.current_period())

    def getInvoices(self, req: Request) -> Reply:
        with self.store.lock:
            return Reply(200, self.biller.invoices(req.base_url))

    def getInvoiceBreakdownPerFilespace(self, req: Request) -> Reply:
        with self.store.lock:
            invoice = self.biller.invoice(req.params["id"])
            if invoice is None:
                raise ApiError(404, f"Invoice {req.params['id']} not found")
            csv_text = self.biller.breakdown_csv(invoice)
        return Reply(200, csv_text, content_type="text/csv; charset=utf-8")
