"""Dated events (who did what to whom, as a CAMEO code) read from CSV or Parquet.

The format is documented in docs/record.md. The loader checks only what the
file itself can say: its columns, dates in order, codes that exist in the
bundled CAMEO list, no row given twice. Whether an actor is a party of a
scenario is checked when the record is mapped onto one
(:func:`detente.record.mapping.check_record`).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from detente.record.errors import EventFormatError, RecordIssue, cell

REQUIRED = ("date", "actor", "target", "cameo", "description", "source")
"""Columns every event file has (``target``, ``description`` and ``source`` may be empty)."""
OPTIONAL = ("action", "uncertain")
"""Columns a file may have: an action overriding the mapping, and what is uncertain."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^\d{2,4}$")
_ACTOR = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ACTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_DATA = "detente.record.data"
_EXTRA = " extra"  # the key of values beyond the header's columns (not a column name)
_BUNDLED = {"korea": "korea_2017_2019.csv"}


@dataclass(frozen=True)
class Event:
    """One dated act: its actors toward its targets, coded in CAMEO."""

    date: datetime.date
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    cameo: str
    action: str | None
    description: str
    source: str
    uncertain: str | None
    row: int

    def label(self) -> str:
        """``2018-06-12 USA;PRK 057``: enough to find the row again."""
        return f"{self.date.isoformat()} {';'.join(self.actors)} {self.cameo}"


@dataclass(frozen=True)
class EventRecord:
    """The events of one file, in date order."""

    path: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class CameoCode:
    code: str
    name: str
    goldstein: float


@cache
def cameo_codes() -> Mapping[str, CameoCode]:
    """The CAMEO event codes (with names and Goldstein scores) shipped in the package."""
    text = resources.files(_DATA).joinpath("cameo_codes.csv").read_text(encoding="utf-8")
    return {
        r["code"]: CameoCode(r["code"], r["name"], float(r["goldstein"]))
        for r in csv.DictReader(io.StringIO(text))
    }


def bundled_record(name: str = "korea") -> EventRecord:
    """The curated record shipped with the package (``korea``: March 2017 to December 2019)."""
    if name not in _BUNDLED:
        raise EventFormatError(
            name,
            [RecordIssue("", f"no bundled record of this name (known: {', '.join(_BUNDLED)})")],
        )
    text = resources.files(_DATA).joinpath(_BUNDLED[name]).read_text(encoding="utf-8")
    return parse_csv(text, f"{name} (bundled)")


def load_record(name_or_path: str | Path) -> EventRecord:
    """A bundled record by name (``korea``), or an event file by path (a file wins)."""
    if (
        isinstance(name_or_path, str)
        and name_or_path in _BUNDLED
        and not Path(name_or_path).exists()
    ):
        return bundled_record(name_or_path)
    return load_events(name_or_path)


def load_events(path: str | Path) -> EventRecord:
    """Read an event file: Parquet by its ``.parquet`` suffix, CSV otherwise."""
    p = Path(path)
    if not p.is_file():
        raise EventFormatError(str(p), [RecordIssue("", "no such file", has_value=False)])
    if p.suffix.lower() in (".parquet", ".pq"):
        return _parse_rows(*_parquet_rows(p), str(p))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        issue = RecordIssue("", "not UTF-8 text: an event file is CSV or Parquet", has_value=False)
        raise EventFormatError(str(p), [issue]) from None
    return parse_csv(text, str(p))


def parse_csv(text: str, source: str) -> EventRecord:
    """Parse CSV text in the event format; ``source`` names it in errors."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise EventFormatError(
            source, [RecordIssue("", "empty file: no header, no events", has_value=False)]
        )
    rows: list[dict[str, Any]] = []
    for values in reader:
        if any(values):
            padded = values + [""] * (len(header) - len(values))
            rows.append(dict(zip(header, padded, strict=False)))
            if len(values) > len(header):
                rows[-1][_EXTRA] = values[len(header) :]
    return _parse_rows(header, rows, source)


def _parquet_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        issue = RecordIssue("", f"not a Parquet file: {err}", has_value=False)
        raise EventFormatError(str(path), [issue]) from None
    wrong = [
        RecordIssue(
            f"column {f.name!r}",
            "not text: event columns are strings (a date column may be a date; "
            "CAMEO codes keep their leading zeros as text)",
            str(f.type),
        )
        for f in table.schema
        if not (
            pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)
            or pa.types.is_null(f.type)
        )
        and not (f.name == "date" and pa.types.is_date(f.type))
    ]
    if wrong:
        raise EventFormatError(str(path), wrong)
    return list(table.column_names), table.to_pylist()


def _text(value: Any) -> str:
    """A cell as text: Parquet dates as ISO dates, nulls as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if isinstance(value, str) else repr(value)


def _parse_rows(header: list[str], rows: list[dict[str, Any]], source: str) -> EventRecord:
    columns = [c.strip() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    issues: list[RecordIssue] = []
    if missing:
        issues.append(
            RecordIssue(
                "header",
                f"not an event file: missing column(s) {', '.join(missing)} "
                f"(an event file has {', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)})",
                columns[:12],
            )
        )
    if unknown and not missing:
        issues.append(RecordIssue("header", f"unknown column(s) {', '.join(unknown)}", unknown))
    if issues:
        raise EventFormatError(source, issues)
    if not rows:
        raise EventFormatError(
            source, [RecordIssue("", "no events: the file has a header only", has_value=False)]
        )
    events: list[Event] = []
    seen: dict[tuple[Any, ...], int] = {}
    previous: datetime.date | None = None
    for i, raw in enumerate(rows, start=1):
        if _EXTRA in raw:
            issues.append(
                RecordIssue(f"row {i}", "more values than the header has columns", raw[_EXTRA])
            )
            continue
        row = {k.strip(): _text(v).strip() for k, v in raw.items()}
        event = _event(row, i, issues)
        if event is None:
            continue
        if previous is not None and event.date < previous:
            issues.append(
                RecordIssue(
                    cell(i, "date"),
                    f"out of order: earlier than the row before ({previous.isoformat()}); "
                    "events are listed by date",
                    row["date"],
                )
            )
        previous = event.date
        key = (
            event.date,
            event.actors,
            event.targets,
            event.cameo,
            event.action,
            event.description,
        )
        if key in seen:
            issues.append(RecordIssue(f"row {i}", f"duplicate of row {seen[key]}", event.label()))
        seen.setdefault(key, i)
        events.append(event)
    if issues:
        raise EventFormatError(source, issues)
    return EventRecord(source, tuple(events))


def _codes(text: str, row: int, column: str, issues: list[RecordIssue]) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.split(";")) if text else ()
    bad = [p for p in parts if not _ACTOR.match(p)]
    if bad:
        issues.append(
            RecordIssue(cell(row, column), "codes are letters and digits, ';'-separated", text)
        )
    if len(set(parts)) != len(parts):
        issues.append(RecordIssue(cell(row, column), "a code is given twice", text))
    return parts


def _event(row: dict[str, str], i: int, issues: list[RecordIssue]) -> Event | None:
    """The event of data row ``i``, or None with its problems added to ``issues``."""
    before = len(issues)
    date = None
    if not _DATE.match(row["date"]):
        issues.append(
            RecordIssue(cell(i, "date"), "not an ISO 8601 date (YYYY-MM-DD)", row["date"])
        )
    else:
        try:
            date = datetime.date.fromisoformat(row["date"])
        except ValueError:
            issues.append(RecordIssue(cell(i, "date"), "no such day", row["date"]))
    actors = _codes(row["actor"], i, "actor", issues)
    if not actors:
        issues.append(RecordIssue(cell(i, "actor"), "an event needs an actor", row["actor"]))
    targets = _codes(row["target"], i, "target", issues)
    code = row["cameo"]
    if not _CODE.match(code):
        issues.append(
            RecordIssue(cell(i, "cameo"), "a CAMEO code is 2 to 4 digits, as text ('036')", code)
        )
    elif code not in cameo_codes():
        issues.append(RecordIssue(cell(i, "cameo"), "not a code of the CAMEO list", code))
    action = row.get("action", "") or None
    if action is not None and not _ACTION.match(action):
        issues.append(RecordIssue(cell(i, "action"), "an action id, or action.level", action))
    if len(issues) > before or date is None:
        return None
    return Event(
        date=date,
        actors=actors,
        targets=targets,
        cameo=code,
        action=action,
        description=row["description"],
        source=row["source"],
        uncertain=row.get("uncertain", "") or None,
        row=i,
    )
