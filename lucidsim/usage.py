"""Generated filespace usage: deterministic for (seed, filespace id, seconds since provisioned).

Time since provisioning is cut into segments of SEGMENT_SECONDS. A random stream seeded
by (seed, filespace id) yields, segment by segment, how much data was added or deleted,
written, read and listed; the state at a segment boundary is the running total. Between
two boundaries gauges are interpolated linearly and counters are floored, so a reading
depends only on the elapsed time: it is the same after a restart, the gauge can go down
and the counters never do. Integrals (for billing) are exact for that piecewise shape.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

SEGMENT_SECONDS = 900.0
COUNTERS = (
    "getRequestCount",
    "getDataSize",
    "putRequestCount",
    "putDataSize",
    "listRequestCount",
    "deleteRequestCount",
)
STAT_FIELDS = ("usedStorage", "filespaceSize", *COUNTERS)


@dataclass(frozen=True)
class _Point:
    used: float
    put_bytes: float
    get_bytes: float
    put_requests: int
    get_requests: int
    list_requests: int
    delete_requests: int
    users: int


def zero_stats() -> dict[str, int]:
    return dict.fromkeys(STAT_FIELDS, 0)


class UsageModel:
    """The usage story of one filespace."""

    def __init__(self, seed: int, filespace_id: str) -> None:
        rng = random.Random(f"lucidsim:{seed}:{filespace_id}")
        self._rng = rng
        self._growth = 1e9 * rng.uniform(0.02, 1.0)  # mean bytes added per segment
        self._shrink_probability = rng.uniform(0.15, 0.3)
        self._read_ratio = rng.uniform(0.2, 2.0)
        self._object_size = rng.choice((256 * 1024, 1024**2, 4 * 1024**2))
        self._size_ratio = rng.uniform(0.85, 0.97)  # filespaceSize / usedStorage
        self._points = [_Point(0.0, 0.0, 0.0, 0, 0, 0, 0, rng.randint(1, 5))]
        self._lock = threading.Lock()

    def _point(self, index: int) -> _Point:
        with self._lock:
            while len(self._points) <= index:
                self._points.append(self._next(self._points[-1], len(self._points) - 1))
            return self._points[index]

    def _next(self, p: _Point, index: int) -> _Point:
        r = self._rng
        if index > 0 and r.random() < self._shrink_probability:
            delta = -p.used * r.uniform(0.02, 0.25)  # someone deleted files
        else:
            delta = self._growth * r.expovariate(1.0)
        churn = self._growth * r.uniform(0.0, 0.5)  # rewrites: written, old objects removed
        written = max(delta, 0.0) + churn
        read = self._growth * self._read_ratio * r.expovariate(1.0)
        removed = max(-delta, 0.0) + churn
        users = p.users
        roll = r.random()
        if roll < 0.002 and users < 50:  # a few users join or leave in a month
            users += 1
        elif roll < 0.003 and users > 1:
            users -= 1
        size = self._object_size
        return _Point(
            used=max(0.0, p.used + delta),
            put_bytes=p.put_bytes + written,
            get_bytes=p.get_bytes + read,
            put_requests=p.put_requests + math.ceil(written / size),
            get_requests=p.get_requests + math.ceil(read / size),
            list_requests=p.list_requests + r.randint(0, 20),
            delete_requests=p.delete_requests + math.ceil(removed / size),
            users=users,
        )

    def _used_at(self, elapsed: float) -> float:
        index = int(elapsed // SEGMENT_SECONDS)
        frac = (elapsed - index * SEGMENT_SECONDS) / SEGMENT_SECONDS
        a, b = self._point(index), self._point(index + 1)
        return a.used + (b.used - a.used) * frac

    def _users_at(self, elapsed: float) -> int:
        return self._point(int(elapsed // SEGMENT_SECONDS)).users

    def stats(self, elapsed: float) -> tuple[dict[str, int], int]:
        """(stats, usersCount) at `elapsed` seconds after provisioning."""
        if elapsed < 0:
            return zero_stats(), 0
        index = int(elapsed // SEGMENT_SECONDS)
        frac = (elapsed - index * SEGMENT_SECONDS) / SEGMENT_SECONDS
        a, b = self._point(index), self._point(index + 1)

        def lerp(x: float, y: float) -> int:
            return math.floor(x + (y - x) * frac)

        used = a.used + (b.used - a.used) * frac
        stats = {
            "usedStorage": round(used),
            "filespaceSize": round(used * self._size_ratio),
            "getRequestCount": lerp(a.get_requests, b.get_requests),
            "getDataSize": lerp(a.get_bytes, b.get_bytes),
            "putRequestCount": lerp(a.put_requests, b.put_requests),
            "putDataSize": lerp(a.put_bytes, b.put_bytes),
            "listRequestCount": lerp(a.list_requests, b.list_requests),
            "deleteRequestCount": lerp(a.delete_requests, b.delete_requests),
        }
        return stats, a.users

    def _pieces(self, start: float, end: float):
        """Sub-intervals of [start, end) that never cross a segment boundary."""
        t = max(start, 0.0)
        while t < end:
            boundary = (math.floor(t / SEGMENT_SECONDS) + 1) * SEGMENT_SECONDS
            stop = min(boundary, end)
            yield t, stop
            t = stop

    def used_byte_seconds(self, start: float, end: float) -> float:
        """Integral of usedStorage over [start, end) (elapsed seconds); midpoint is exact."""
        return sum(self._used_at((a + b) / 2) * (b - a) for a, b in self._pieces(start, end))

    def user_seconds(self, start: float, end: float) -> float:
        """Integral of usersCount over [start, end) (elapsed seconds)."""
        return sum(self._users_at((a + b) / 2) * (b - a) for a, b in self._pieces(start, end))


class UsageModels:
    """One cached model per filespace (they only ever extend, so caching is safe)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._models: dict[str, UsageModel] = {}
        self._lock = threading.Lock()

    def get(self, filespace_id: str) -> UsageModel:
        with self._lock:
            model = self._models.get(filespace_id)
            if model is None:
                model = self._models[filespace_id] = UsageModel(self._seed, filespace_id)
            return model
