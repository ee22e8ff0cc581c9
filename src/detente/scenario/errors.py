"""Scenario problems, reported all at once with file, path and offending value.

Everything here is bounded, because scenarios also come from anonymous
uploads: a value is shown by :func:`bounded_repr` (at most ~200 characters,
computed without building the repr of a huge or self-referential value),
messages and paths are cut at a few hundred characters, and a
:class:`ScenarioError` carries at most :data:`MAX_ISSUES` issues.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

MAX_VALUE = 200
"""Characters of a value shown in a message (:func:`bounded_repr`'s default)."""
MAX_MESSAGE = 500
"""Characters of an issue's message; longer ones are cut (they embed a user's ids)."""
MAX_PATH = 300
"""Characters of an issue's path."""
MAX_ISSUES = 100
"""Issues a :class:`ScenarioError` carries; the rest are summed up in one more issue."""

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with a final "…" when longer."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


class _FullError(Exception):
    """The budget of a bounded repr is spent."""


class _Writer:
    """Writes a repr piece by piece and stops (raises :class:`_FullError`) past its budget.

    The work is proportional to the budget, not to the value: a list of a
    million items or a string of a megabyte costs as much as a short one.
    Containers on the way down are tracked, so a self-referential value shows
    ``[...]`` as :func:`repr` does.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.size = 0
        self.active: set[int] = set()

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.budget:
            raise _FullError

    def items(self, values: Any, open_: str, close: str, pairs: bool = False) -> None:
        self.emit(open_)
        for i, item in enumerate(values):
            if i:
                self.emit(", ")
            if pairs:
                self.value(item[0])
                self.emit(": ")
                self.value(item[1])
            else:
                self.value(item)
        self.emit(close)

    def value(self, x: Any) -> None:
        if isinstance(x, str | bytes):
            room = self.budget - self.size + 1  # a slice this long fills what is left
            self.emit(repr(x[:room]) if len(x) > room else repr(x))
            return
        if isinstance(x, int) and x.bit_length() > 4 * self.budget:
            self.emit(f"<an integer of {x.bit_length():,} bits>")  # repr would be slow, or refused
            return
        if not isinstance(x, list | tuple | dict | set | frozenset):
            self.emit(clip(repr(x), self.budget + 1))
            return
        if id(x) in self.active:
            self.emit(
                "{...}" if isinstance(x, dict) else "[...]" if isinstance(x, list) else "(...)"
            )
            return
        self.active.add(id(x))
        if type(x) is dict:
            self.items(x.items(), "{", "}", pairs=True)
        elif type(x) is list:
            self.items(x, "[", "]")
        elif type(x) is tuple:
            self.items(x, "(", ",)" if len(x) == 1 else ")")
        elif type(x) is set and x:
            self.items(x, "{", "}")
        elif type(x) is frozenset and x:
            self.items(x, "frozenset({", "})")
        else:  # an empty set, or a subclass whose repr may differ
            self.emit(clip(repr(x), self.budget + 1) if len(x) <= self.budget else type(x).__name__)
        self.active.discard(id(x))


def bounded_repr(value: Any, limit: int = MAX_VALUE) -> str:
    """``repr(value)`` when it has at most ``limit`` characters, else its start and "…".

    The cost is bounded by ``limit``, whatever the size of ``value``; a value
    that contains itself is shown as :func:`repr` shows it (``[[...]]``).
    """
    writer = _Writer(limit)
    with contextlib.suppress(_FullError):
        writer.value(value)
    return clip("".join(writer.parts), limit)


def format_path(loc: Sequence[Any]) -> str:
    """Render a location as ``roadmap.stages[1].entry.trust[0].pair``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _IDENT.match(part):
            out += f".{clip(part, 100)}" if out else clip(part, 100)
        else:
            out += f"[{bounded_repr(part, 100)}]"
        if len(out) > MAX_PATH:
            break
    return clip(out, MAX_PATH) or "<root>"


@dataclass(frozen=True)
class ScenarioIssue:
    """One problem found in a scenario document.

    ``path`` and ``message`` are cut to :data:`MAX_PATH` and :data:`MAX_MESSAGE`
    characters (a message may list a user's ids); ``value`` is kept as it is
    and shown by :func:`bounded_repr`.
    """

    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", clip(self.path, MAX_PATH))
        object.__setattr__(self, "message", clip(self.message, MAX_MESSAGE))

    def render(self, source: str) -> str:
        shown = f" (got {bounded_repr(self.value)})" if self.has_value else ""
        return f"{source}: {self.path}: {self.message}{shown}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; carries every issue found, up to :data:`MAX_ISSUES`.

    ``what`` names the kind of document in the header (a scenario; other YAML
    files checked the same way, such as backtest questions, name their own).

    Past that, ``issues`` holds the first :data:`MAX_ISSUES` and one more issue
    saying how many were left out; ``count`` is the number found.
    """

    def __init__(
        self, source: str, issues: Sequence[ScenarioIssue], what: str = "scenario"
    ) -> None:
        self.source = source
        found = tuple(issues)
        self.count = len(found)
        if self.count > MAX_ISSUES:
            more = self.count - MAX_ISSUES
            rest = ScenarioIssue(
                "<root>",
                f"and {more:,} more problem{'s' if more != 1 else ''} "
                f"(only the first {MAX_ISSUES} are listed)",
                has_value=False,
            )
            found = (*found[:MAX_ISSUES], rest)
        self.issues = found
        count = self.count
        header = f"{source}: {count:,} problem{'s' if count != 1 else ''} in {what}"
        super().__init__("\n".join([header, *(i.render(source) for i in self.issues)]))
