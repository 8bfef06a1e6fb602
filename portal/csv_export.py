"""CSV exports streamed in constant memory: rows come from `.iterator()` in chunks and
leave as encoded bytes in blocks, so a million rows never sit in memory at once.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) are prefixed with a single quote; numbers stay numbers. UTF-8, with an
optional byte-order mark so Excel reads the accents right. Used by billing's exports
(columns documented in docs/billing.md) and by the admin's "export as CSV" action.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
BLOCK_BYTES = 64 * 1024
CHUNK_ROWS = 2000


_NUMBERS = (int, Decimal, float)


def neutralise(value: Any) -> Any:
    """A cell as written: numbers untouched, dangerous text quoted, datetimes ISO 8601."""
    kind = type(value)
    if kind is str:  # the common cases first: this runs for every cell of every row
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind in _NUMBERS:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _NUMBERS):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object csv.writer writes one row into; we collect it."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> Iterator[bytes]:
    """The CSV of ``rows`` as UTF-8 blocks of about 64 KiB."""
    sink = _Line()
    writer = csv.writer(sink, lineterminator="\r\n")
    if bom:
        sink.write(BOM)
    writer.writerow([neutralise(cell) for cell in header])
    size = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        size += len(sink.parts[-1])
        if size >= BLOCK_BYTES:
            yield "".join(sink.parts).encode("utf-8")
            sink.parts.clear()
            size = 0
    if sink.parts:
        yield "".join(sink.parts).encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_bytes(header, rows, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
