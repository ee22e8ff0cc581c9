"""Problems with an event record or a mapping, reported all at once with file, row and column.

A record is read by people (analysts extend it by hand), so a bad file gets
every problem named where it is, as a scenario does: the file, the data row
(1-based, the header not counted), the column and the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detente.scenario.errors import MAX_ISSUES, bounded_repr, clip

MAX_MESSAGE = 500


@dataclass(frozen=True)
class RecordIssue:
    """One problem: where (row and column, or a path in a mapping file) and what."""

    where: str
    message: str
    value: Any = None
    has_value: bool = True

    def render(self, source: str) -> str:
        shown = f" (got {bounded_repr(self.value)})" if self.has_value else ""
        place = f"{self.where}: " if self.where else ""
        return f"{source}: {place}{clip(self.message, MAX_MESSAGE)}{shown}"


class RecordError(ValueError):
    """A record, or its mapping onto a scenario, that cannot be used; carries every issue."""

    def __init__(self, source: str, issues: Sequence[RecordIssue]) -> None:
        self.source = source
        self.count = len(issues)
        self.issues = tuple(issues[:MAX_ISSUES])
        lines = [i.render(source) for i in self.issues]
        if self.count > MAX_ISSUES:
            lines.append(f"{source}: ... and {self.count - MAX_ISSUES} more problems")
        super().__init__("\n".join(lines))


class EventFormatError(RecordError):
    """An event file that does not follow the format (docs/record.md)."""


class MappingError(RecordError):
    """A mapping file that is malformed or names what its scenario lacks."""


def cell(row: int, column: str) -> str:
    """The place of a value in an event file: ``row 3, column 'cameo'``."""
    return f"row {row}, column {column!r}"
