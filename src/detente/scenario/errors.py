"""Scenario problems, reported all at once with file, path and offending value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_path(loc: Sequence[str | int]) -> str:
    """Render a location as ``roadmap.stages[1].entry.trust[0].pair``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "<root>"


@dataclass(frozen=True)
class ScenarioIssue:
    """One problem found in a scenario document."""

    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def render(self, source: str) -> str:
        shown = f" (got {self.value!r})" if self.has_value else ""
        return f"{source}: {self.path}: {self.message}{shown}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; carries every issue found."""

    def __init__(self, source: str, issues: Sequence[ScenarioIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        count = len(self.issues)
        header = f"{source}: {count} problem{'s' if count != 1 else ''} in scenario"
        super().__init__("\n".join([header, *(i.render(source) for i in self.issues)]))
