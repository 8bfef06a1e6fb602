"""The control API under /_sim: test hooks, never subject to faults, loopback clients only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lucidsim.app import ApiError, Reply, Request
from lucidsim.usage import STAT_FIELDS

if TYPE_CHECKING:
    from lucidsim.app import Simulator

STATUSES = ("provisioning", "provisioned", "initialized", "error")


def _optional_json(req: Request) -> dict[str, Any]:
    return req.json_object(check_content_type=False) if req.body.strip() else {}


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ApiError(400, f"{name} must be a whole number")
    if value < 0:
        raise ApiError(400, f"{name} must not be negative")
    return int(value)


class Control:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.routes: list[tuple[str, re.Pattern[str], Any]] = [
            ("GET", re.compile(r"/health"), self.health),
            ("GET", re.compile(r"/faults"), self.get_faults),
            ("PUT", re.compile(r"/faults"), self.put_faults),
            ("GET", re.compile(r"/filespaces"), self.list_filespaces),
            ("POST", re.compile(r"/filespaces/(?P<id>[^/]+)"), self.set_filespace),
            ("GET", re.compile(r"/requests"), self.get_requests),
            ("POST", re.compile(r"/requests/reset"), self.reset_requests),
            ("POST", re.compile(r"/reset"), self.reset),
            ("POST", re.compile(r"/expire-tokens"), self.expire_tokens),
            ("GET", re.compile(r"/clock"), self.get_clock),
            ("POST", re.compile(r"/clock"), self.set_clock),
            ("GET", re.compile(r"/invoices/(?P<id>[^/]+)\.pdf"), self.invoice_pdf),
        ]

    def dispatch(self, req: Request) -> Reply:
        allowed = []
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(req.path)
            if match:
                if method == req.method:
                    req.params = match.groupdict()
                    return handler(req)
                allowed.append(method)
        if allowed:
            raise ApiError(405, "Method not allowed", {"Allow": ", ".join(allowed)})
        raise ApiError(404, f"No control route {req.path}")

    def health(self, req: Request) -> Reply:
        domain = self.sim.store.domain()
        return Reply(200, {"status": "ok", "domain": domain.as_json() if domain else None})

    def get_faults(self, req: Request) -> Reply:
        return Reply(200, self.sim.faults.as_json())

    def put_faults(self, req: Request) -> Reply:
        try:
            faults = self.sim.update_faults(req.json_object(check_content_type=False))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        return Reply(200, faults.as_json())

    def list_filespaces(self, req: Request) -> Reply:
        """Every filespace, deleted ones included, with the simulator's own bookkeeping."""
        store = self.sim.store
        now = store.now()
        result = []
        for fs in store.filespaces(include_deleted=True):
            item = self.sim.filespace_json(fs, now)
            item["_sim"] = {
                "createdAt": fs.created_at,
                "readyAt": fs.ready_at,
                "deletedAt": fs.deleted_at,
                "explicitStatus": fs.explicit_status,
                "statsOverride": fs.stats_override,
                "usersOverride": fs.users_override,
            }
            result.append(item)
        return Reply(200, result)

    def set_filespace(self, req: Request) -> Reply:
        """Set status and/or stats explicitly; explicit values win over generated ones.

        Body keys (all optional): "status" (one of STATUSES, null = back to the natural
        course), "stats" (object of stat fields to pin, null = unpin all), "usersCount"
        (null = unpin). "usersCount" inside "stats" is accepted too.
        """
        data = req.json_object(check_content_type=False)
        unknown = sorted(set(data) - {"status", "stats", "usersCount"})
        if unknown:
            raise ApiError(400, f"Unknown key(s): {', '.join(unknown)}")
        store = self.sim.store
        with store.lock:
            fs = store.filespace(req.params["id"])
            if fs is None:
                raise ApiError(404, f"Filespace {req.params['id']} not found")
            now = store.now()
            if "status" in data:
                status = data["status"]
                if status is not None and status not in STATUSES:
                    raise ApiError(400, f"status must be one of {', '.join(STATUSES)} or null")
                if status in ("provisioned", "initialized") and fs.ready_at > now:
                    fs.ready_at = now  # provisioned now: generated usage starts here
                fs.explicit_status = status
            stats = data.get("stats", {})
            if "stats" in data and stats is None:
                fs.stats_override = {}
            elif isinstance(stats, dict):
                stats = dict(stats)
                if "usersCount" in stats:
                    data.setdefault("usersCount", stats.pop("usersCount"))
                bad = sorted(set(stats) - set(STAT_FIELDS))
                if bad:
                    raise ApiError(400, f"Unknown stat(s): {', '.join(bad)}")
                for name, value in stats.items():
                    fs.stats_override[name] = _count(f"stats.{name}", value)
            else:
                raise ApiError(400, "stats must be an object or null")
            if "usersCount" in data:
                users = data["usersCount"]
                fs.users_override = None if users is None else _count("usersCount", users)
            store.filespace_update(fs)
            return Reply(200, self.sim.filespace_json(fs, now))

    def get_requests(self, req: Request) -> Reply:
        return Reply(200, self.sim.store.request_counts())

    def reset_requests(self, req: Request) -> Reply:
        self.sim.store.reset_request_counts()
        return Reply(200, {})

    def reset(self, req: Request) -> Reply:
        data = _optional_json(req)
        tokens = data.get("tokens", False)
        if not isinstance(tokens, bool):
            raise ApiError(400, "tokens must be true or false")
        domain = self.sim.reset(tokens=tokens)
        return Reply(200, {"status": "reset", "domain": domain.as_json()})

    def expire_tokens(self, req: Request) -> Reply:
        return Reply(200, {"expired": self.sim.store.tokens_expire()})

    def get_clock(self, req: Request) -> Reply:
        return Reply(200, self.sim.store.clock_state())

    def set_clock(self, req: Request) -> Reply:
        """Body: {"advance": seconds >= 0} and/or {"frozen": true|false}."""
        data = _optional_json(req)
        advance = data.get("advance", 0)
        if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
            raise ApiError(400, "advance must be a non-negative number of seconds")
        frozen = data.get("frozen")
        if frozen is not None and not isinstance(frozen, bool):
            raise ApiError(400, "frozen must be true or false")
        self.sim.store.clock_change(advance=float(advance), frozen=frozen)
        return Reply(200, self.sim.store.clock_state())

    def invoice_pdf(self, req: Request) -> Reply:
        """A stand-in PDF so the invoices' pdfUrl leads somewhere."""
        invoice = self.sim.biller.invoice(req.params["id"])
        if invoice is None:
            raise ApiError(404, f"Invoice {req.params['id']} not found")
        text = f"LucidLink invoice {invoice['id']}: {invoice['amountDue']} cents"
        return Reply(200, _tiny_pdf(text), content_type="application/pdf")


def _tiny_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing one line of text."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
