"""A solved package written back into a scenario as a deal, so it can be played.

Each slot of the package becomes a commitment of its party, conditional on
every other slot of the package ("I do my part if all of you do yours"), and
the commitments form a deal that clears only whole: simultaneous actions,
action for action. The result is validated like any scenario file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from detente.bargain.errors import InvalidInputError
from detente.scenario import parse_scenario

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def add_deal(
    doc: Mapping[str, Any], name: str, slots: Sequence[str], title: str = ""
) -> dict[str, Any]:
    """A copy of scenario document ``doc`` with deal ``name`` over ``slots`` (``PARTY.action``)."""
    if not _ID.match(name):
        raise InvalidInputError(
            f"--as-deal {name!r}: a deal id starts with a letter, then letters, digits or _"
        )
    if len(slots) < 2:
        raise InvalidInputError(
            f"--as-deal {name}: a package of {len(slots)} action is no exchange; "
            "a deal needs at least two"
        )
    out = dict(doc)
    taken = {c.get("id") for c in out.get("commitments", []) if isinstance(c, Mapping)}
    taken |= {d.get("id") for d in out.get("deals", []) if isinstance(d, Mapping)}
    if name in taken:
        raise InvalidInputError(
            f"--as-deal {name}: the scenario already has a deal or commitment of that id"
        )
    commitments = []
    for slot in slots:
        party, action = slot.split(".", 1)
        commitments.append(
            {
                "id": f"{name}_{party}_{action.replace('.', '_')}",
                "party": party,
                "action": action,
                "if": [other for other in slots if other != slot],
            }
        )
    out["commitments"] = [*out.get("commitments", []), *commitments]
    deal = {
        "id": name,
        "title": title or f"Package {name}",
        "commitments": [c["id"] for c in commitments],
    }
    out["deals"] = [*out.get("deals", []), deal]
    parse_scenario(out, f"scenario with deal {name}")
    return out


def dump_scenario(doc: Mapping[str, Any], note: str) -> str:
    """YAML text of a scenario document, headed by a comment saying where it came from."""
    header = "".join(f"# {line}\n" for line in note.splitlines())
    return header + yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True, width=100)
