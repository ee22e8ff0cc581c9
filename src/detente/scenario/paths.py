"""Paths into a raw scenario document, as ``--set`` and ``provenance`` write them.

``noise.miss``, ``trust.priors[0].trust``, ``roadmap.stages[trust_building].exit``
(a list item picked by its id) and ``utilities.parties.US.linear["DPRK.nuclear_test"]``
(a key containing dots, quoted). One grammar for every tool that names a number.
"""

from __future__ import annotations

import re
from typing import Any

Step = str | int

_STEP = re.compile(
    r"""(?:^|\.)(?P<key>[A-Za-z_][A-Za-z0-9_]*)
      | \[(?P<index>-?\d+)\]
      | \[(?P<id>[A-Za-z_][A-Za-z0-9_]*)\]
      | \["(?P<dq>[^"]*)"\]
      | \['(?P<sq>[^']*)'\]""",
    re.VERBOSE,
)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class PathError(ValueError):
    """A path that cannot be read, or that names nothing in the document."""


def parse_path(path: str) -> list[Step]:
    """``trust.priors[0].trust`` -> ``["trust", "priors", 0, "trust"]``."""
    steps: list[Step] = []
    pos = 0
    while pos < len(path):
        m = _STEP.match(path, pos)
        if m is None or m.end() == pos:
            raise PathError(f"cannot read the path {path!r} at {path[pos:]!r}")
        if m["index"] is not None:
            steps.append(int(m["index"]))
        else:
            steps.append(next(g for g in (m["key"], m["id"], m["dq"], m["sq"]) if g is not None))
        pos = m.end()
    if not steps:
        raise PathError("an empty path")
    return steps


def render_path(steps: list[Step]) -> str:
    """The inverse of :func:`parse_path`: ``["a", 0, "b.c"]`` -> ``a[0]['b.c']``."""
    out = ""
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        elif _KEY.fullmatch(step):
            out += f".{step}" if out else step
        else:
            out += f"[{step!r}]"
    return out


def list_position(items: list[Any], step: Step, where: str) -> int:
    """The index in ``items`` that ``step`` (an index or an item's id) names."""
    if isinstance(step, int):
        if not -len(items) <= step < len(items):
            raise PathError(f"{where} has {len(items)} items; there is no item {step}")
        return step if step >= 0 else len(items) + step
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    if step not in ids:
        listed = ", ".join(str(i) for i in ids if i is not None) or "none have ids"
        raise PathError(f"{where} has no item with id {step!r} (ids: {listed})")
    return ids.index(step)


def resolve(doc: Any, steps: list[Step]) -> list[Step]:
    """``steps`` with every list step as a plain index, or :class:`PathError`."""
    node, where, out = doc, "the scenario", []
    for i, step in enumerate(steps):
        if isinstance(node, dict):
            if step not in node:
                keys = ", ".join(str(k) for k in node) or "none"
                raise PathError(f"{where} has no key {step!r} (keys: {keys})")
        elif isinstance(node, list):
            step = list_position(node, step, where)
        else:
            raise PathError(f"{where} is a value ({node!r}), not a section: nothing below it")
        out.append(step)
        node = node[step]
        where = render_path(steps[: i + 1])
    return out


def display_path(doc: Any, steps: list[Step]) -> str:
    """``steps`` as a path, list items named ``[id]`` where their id is unique."""
    node, out = doc, ""
    for step in steps:
        shown = render_path([step])
        if isinstance(node, list) and isinstance(step, int):
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            if isinstance(ids[step], str) and ids.count(ids[step]) == 1:
                shown = f"[{ids[step]}]"
        elif out and not shown.startswith("["):
            shown = f".{shown}"
        out += shown
        node = node[step]
    return out
