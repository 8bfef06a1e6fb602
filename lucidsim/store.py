"""The simulator's state in SQLite (WAL), behind one lock: the HTTP server is threaded.

Times are epoch seconds on the simulated clock (`Store.now()`), which is the wall clock
plus an offset that `POST /_sim/clock` can move forward or freeze; it is stored too, so a
restart neither rewinds nor jumps the story.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS domains (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS filespaces (
    id TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    subscription_type TEXT NOT NULL,
    storage TEXT NOT NULL,
    created_at REAL NOT NULL,
    ready_at REAL NOT NULL,
    fate TEXT NOT NULL,
    explicit_status TEXT,
    stats_override TEXT,
    users_override INTEGER,
    deleted_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS filespaces_live_name
    ON filespaces (domain_id, name) WHERE deleted_at IS NULL;
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
    id TEXT PRIMARY KEY,
    period_start REAL NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS request_counts (
    operation TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
"""

DEFAULT_PAYMENT = {
    "description": "Company card",
    "card": {"numberLast4": "4242", "expiryMonth": 12, "expiryYear": 2030},
}


@dataclass
class Domain:
    id: str
    name: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass
class FilespaceRow:
    id: str
    domain_id: str
    name: str
    version: int
    subscription_type: str
    storage: dict[str, str]
    created_at: float
    ready_at: float
    fate: str
    explicit_status: str | None
    stats_override: dict[str, int]
    users_override: int | None
    deleted_at: float | None

    def status(self, now: float) -> str:
        if self.explicit_status:
            return self.explicit_status
        return "provisioning" if now < self.ready_at else self.fate

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> FilespaceRow:
        return cls(
            id=row["id"],
            domain_id=row["domain_id"],
            name=row["name"],
            version=row["version"],
            subscription_type=row["subscription_type"],
            storage=json.loads(row["storage"]),
            created_at=row["created_at"],
            ready_at=row["ready_at"],
            fate=row["fate"],
            explicit_status=row["explicit_status"],
            stats_override=json.loads(row["stats_override"] or "{}"),
            users_override=row["users_override"],
            deleted_at=row["deleted_at"],
        )


class Store:
    def __init__(self, path: Path, *, seed: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._seed = seed
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        with self.tx():
            self._meta_default("account_id", str(uuid.UUID(bytes=self._digest("account")[:16])))
            self._meta_default("account_created_at", repr(time.time()))
            self._meta_default("generation", "0")
            self._meta_default("next_id", "1")
            self._meta_default("clock_offset", "0.0")
            self._meta_default("clock_frozen_at", "")
            self._meta_default("payment", json.dumps(DEFAULT_PAYMENT))
        self._clock_offset = float(self.meta("clock_offset"))
        frozen = self.meta("clock_frozen_at")
        self._clock_frozen_at = float(frozen) if frozen else None

    def _digest(self, text: str) -> bytes:
        return hashlib.sha256(f"lucidsim:{self._seed}:{text}".encode()).digest()

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, holding the lock."""
        with self.lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self._conn.execute(sql, params).fetchall()

    # -- meta and clock -------------------------------------------------------------------

    def _meta_default(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))

    def now(self) -> float:
        with self.lock:
            base = self._clock_frozen_at if self._clock_frozen_at is not None else time.time()
            return base + self._clock_offset

    def clock_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "now": self.now(),
                "offset": self._clock_offset,
                "frozen": self._clock_frozen_at is not None,
            }

    def clock_change(self, *, advance: float = 0.0, frozen: bool | None = None) -> None:
        with self.lock:
            self._clock_offset += advance
            if frozen is True and self._clock_frozen_at is None:
                self._clock_frozen_at = time.time()
            elif frozen is False and self._clock_frozen_at is not None:
                # Unfreezing keeps the simulated time where it stood.
                self._clock_offset += self._clock_frozen_at - time.time()
                self._clock_frozen_at = None
            self.set_meta("clock_offset", repr(self._clock_offset))
            frozen_at = "" if self._clock_frozen_at is None else repr(self._clock_frozen_at)
            self.set_meta("clock_frozen_at", frozen_at)

    def new_id(self) -> str:
        """Ids are a seeded sequence: the same seed on a fresh database gives the same ids."""
        with self.tx() as conn:
            n = int(conn.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()[0])
            conn.execute("UPDATE meta SET value = ? WHERE key = 'next_id'", (str(n + 1),))
        return str(uuid.UUID(bytes=self._digest(f"id:{n}")[:16], version=4))

    def stable_id(self, text: str) -> str:
        return self._digest(text).hex()[:24]

    # -- domains --------------------------------------------------------------------------

    def domain(self) -> Domain | None:
        rows = self.query("SELECT id, name FROM domains ORDER BY created_at LIMIT 1")
        return Domain(rows[0]["id"], rows[0]["name"]) if rows else None

    def domain_create(self, name: str) -> Domain:
        domain = Domain(self.new_id(), name)
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO domains (id, name, created_at) VALUES (?, ?, ?)",
                (domain.id, name, self.now()),
            )
        return domain

    def domain_rename(self, domain_id: str, name: str) -> None:
        with self.tx() as conn:
            conn.execute("UPDATE domains SET name = ? WHERE id = ?", (name, domain_id))

    def domain_delete(self, domain_id: str) -> None:
        with self.tx() as conn:
            conn.execute("DELETE FROM domains WHERE id = ?", (domain_id,))

    # -- filespaces -----------------------------------------------------------------------

    def filespaces(self, *, include_deleted: bool = False) -> list[FilespaceRow]:
        sql = "SELECT * FROM filespaces"
        if not include_deleted:
            sql += " WHERE deleted_at IS NULL"
        rows = self.query(sql + " ORDER BY created_at, rowid")
        return [FilespaceRow.from_row(row) for row in rows]

    def filespace(self, filespace_id: str) -> FilespaceRow | None:
        rows = self.query(
            "SELECT * FROM filespaces WHERE id = ? AND deleted_at IS NULL", (filespace_id,)
        )
        return FilespaceRow.from_row(rows[0]) if rows else None

    def filespace_by_name(self, domain_id: str, name: str) -> FilespaceRow | None:
        rows = self.query(
            "SELECT * FROM filespaces WHERE domain_id = ? AND name = ? AND deleted_at IS NULL",
            (domain_id, name),
        )
        return FilespaceRow.from_row(rows[0]) if rows else None

    def filespace_insert(self, fs: FilespaceRow) -> None:
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO filespaces (id, domain_id, name, version, subscription_type, storage,"
                " created_at, ready_at, fate, explicit_status, stats_override, users_override,"
                " deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    fs.id,
                    fs.domain_id,
                    fs.name,
                    fs.version,
                    fs.subscription_type,
                    json.dumps(fs.storage),
                    fs.created_at,
                    fs.ready_at,
                    fs.fate,
                    fs.explicit_status,
                    json.dumps(fs.stats_override),
                    fs.users_override,
                    fs.deleted_at,
                ),
            )

    def filespace_update(self, fs: FilespaceRow) -> None:
        with self.tx() as conn:
            conn.execute(
                "UPDATE filespaces SET ready_at = ?, explicit_status = ?, stats_override = ?,"
                " users_override = ?, deleted_at = ? WHERE id = ?",
                (
                    fs.ready_at,
                    fs.explicit_status,
                    json.dumps(fs.stats_override),
                    fs.users_override,
                    fs.deleted_at,
                    fs.id,
                ),
            )

    # -- tokens ---------------------------------------------------------------------------

    @staticmethod
    def _token_hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def token_store(self, token: str, *, lifetime: int) -> None:
        now = self.now()
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO tokens (token_hash, issued_at, expires_at) VALUES (?, ?, ?)",
                (self._token_hash(token), now, now + lifetime),
            )

    def token_valid(self, token: str) -> bool:
        rows = self.query(
            "SELECT expires_at FROM tokens WHERE token_hash = ?", (self._token_hash(token),)
        )
        return bool(rows) and self.now() < rows[0]["expires_at"]

    def tokens_expire(self) -> int:
        now = self.now()
        with self.tx() as conn:
            return conn.execute(
                "UPDATE tokens SET expires_at = ? WHERE expires_at > ?", (now, now)
            ).rowcount

    # -- request counts -------------------------------------------------------------------

    def count_request(self, operation: str) -> None:
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO request_counts (operation, count) VALUES (?, 1)"
                " ON CONFLICT (operation) DO UPDATE SET count = count + 1",
                (operation,),
            )

    def request_counts(self) -> dict[str, int]:
        rows = self.query("SELECT operation, count FROM request_counts ORDER BY operation")
        return {row["operation"]: row["count"] for row in rows}

    def reset_request_counts(self) -> None:
        with self.tx() as conn:
            conn.execute("DELETE FROM request_counts")

    # -- invoices -------------------------------------------------------------------------

    def invoices(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT body FROM invoices ORDER BY period_start")
        return [json.loads(row["body"]) for row in rows]

    def invoice_periods(self) -> set[float]:
        return {row["period_start"] for row in self.query("SELECT period_start FROM invoices")}

    def invoice_insert(self, invoice: dict[str, Any], period_start: float) -> None:
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO invoices (id, period_start, body) VALUES (?, ?, ?)",
                (invoice["id"], period_start, json.dumps(invoice)),
            )

    # -- reset ----------------------------------------------------------------------------

    def reset(self, *, tokens: bool) -> None:
        """Wipe filespaces, invoices and counts; the account starts over now. Keeps domains."""
        with self.lock:
            self._clock_offset = 0.0
            self._clock_frozen_at = None
            with self.tx() as conn:
                conn.execute("DELETE FROM filespaces")
                conn.execute("DELETE FROM invoices")
                conn.execute("DELETE FROM request_counts")
                if tokens:
                    conn.execute("DELETE FROM tokens")
                generation = int(self.meta("generation")) + 1
                for key, value in (
                    ("generation", str(generation)),
                    ("account_created_at", repr(time.time())),
                    ("clock_offset", "0.0"),
                    ("clock_frozen_at", ""),
                    ("payment", json.dumps(DEFAULT_PAYMENT)),
                ):
                    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
