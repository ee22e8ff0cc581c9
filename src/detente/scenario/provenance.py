"""Where each number of a scenario comes from: a cited source, an estimate, an assumption.

A model is only as good as its assumptions, so a scenario may say of each number why it
has its value. Its ``provenance`` list names numbers by their ``--set`` path; an entry
that names a section (``trust.priors``) covers every number below it, and the most
specific entry covering a number applies. :func:`numbers` lists every number written in
a scenario document with what covers it: the sensitivity tools read the assumptions
from it, and a review finds the numbers nobody has justified (``basis`` ``None``).
Only numbers written in the document count; the schema's defaults are the software's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from detente.scenario.errors import ScenarioIssue, format_path
from detente.scenario.paths import PathError, Step, display_path, parse_path, resolve

SECTION = "provenance"


@dataclass(frozen=True)
class NumberProvenance:
    """One number of a scenario and the provenance entry that covers it, if any.

    ``path`` is a ``--set`` path (list items by id where they have one), so it can be
    swept; ``covered_by`` is the entry's own path, which may name a whole section.
    """

    path: str
    value: float
    basis: str | None
    rationale: str
    source: str
    covered_by: str | None


def _walk(node: Any, steps: list[Step]) -> Iterator[tuple[list[Step], float]]:
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield steps, node
    elif isinstance(node, Mapping):
        for key, child in node.items():
            if steps or key != SECTION:
                yield from _walk(child, [*steps, key])
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _walk(child, [*steps, i])


def _entries(doc: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    items = doc.get(SECTION)
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, Mapping) and isinstance(item.get("path"), str):
                yield i, item


def check_provenance(doc: Mapping[str, Any]) -> list[ScenarioIssue]:
    """Every provenance entry that names nothing, names no number, or repeats another."""
    issues: list[ScenarioIssue] = []
    seen: dict[tuple[Step, ...], int] = {}
    for i, entry in _entries(doc):
        where = (SECTION, i, "path")
        try:
            steps = resolve(doc, parse_path(entry["path"]))
        except PathError as err:
            issues.append(ScenarioIssue(format_path(where), str(err), entry["path"]))
            continue
        target: Any = doc
        for step in steps:
            target = target[step]
        if steps and steps[0] == SECTION:
            message = "names the provenance section itself, not a number of the scenario"
            issues.append(ScenarioIssue(format_path(where), message, entry["path"]))
        elif not any(True for _ in _walk(target, steps)):
            message = "names no number (a provenance entry is for numbers or sections of them)"
            issues.append(ScenarioIssue(format_path(where), message, entry["path"]))
        elif (key := tuple(steps)) in seen:
            message = f"names the same values as provenance[{seen[key]}]"
            issues.append(ScenarioIssue(format_path(where), message, entry["path"]))
        else:
            seen[key] = i
    return issues


def numbers(doc: Mapping[str, Any]) -> list[NumberProvenance]:
    """Every number written in a valid scenario document, with the entry covering it."""
    covering: dict[tuple[Step, ...], Mapping[str, Any]] = {}
    for _, item in _entries(doc):
        covering[tuple(resolve(doc, parse_path(item["path"])))] = item
    out: list[NumberProvenance] = []
    for steps, value in _walk(doc, []):
        prefixes = (tuple(steps[:n]) for n in range(len(steps), 0, -1))
        entry: Mapping[str, Any] | None = next(
            (covering[p] for p in prefixes if p in covering), None
        )
        out.append(
            NumberProvenance(
                path=display_path(doc, steps),
                value=value,
                basis=None if entry is None else str(entry["basis"]),
                rationale="" if entry is None else str(entry.get("rationale", "")),
                source="" if entry is None else str(entry.get("source", "")),
                covered_by=None if entry is None else str(entry["path"]),
            )
        )
    return out
