"""Cross-reference checks of a scenario's ``initial:`` section (the state episodes start from).

They run with the other reference checks, on the raw document, so that a
broken start state is reported together with every other problem, each at
its path (``initial.policies[0]``). What the section means is in
docs/scenario.md; how the engine builds the state, in ``engine/start.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from detente.scenario.errors import format_path
from detente.scenario.institutions import policy_levels

if TYPE_CHECKING:
    from detente.scenario.references import _Checker

_SECTION = ("initial",)


def check_initial(ck: _Checker) -> None:
    """Report every broken reference of ``initial:`` on ``ck`` (a reference checker)."""
    # imported here: references imports this module to run it
    from detente.scenario.references import _items, _join, _strings

    initial = ck.doc.get("initial")
    if not isinstance(initial, Mapping):
        return
    ck.stage((*_SECTION, "stage"), initial.get("stage"))
    roadmap = ck.doc.get("roadmap")
    if initial.get("stalled") is True and not (
        isinstance(roadmap, Mapping) and roadmap.get("resume")
    ):
        ck.add(
            (*_SECTION, "stalled"),
            "the process starts stalled but the roadmap gives no resume criteria "
            "(it could never resume)",
            True,
        )
    for p, deal in _strings(initial, "agreements", _SECTION):
        ck.deal(p, deal)
    standing = {str(a.get("id")) for _, a in _items(ck.doc, "actions") if a.get("standing") is True}
    policies: dict[tuple[str, str], Any] = {}
    for p, slot in _strings(initial, "policies", _SECTION):
        ck.slot(p, slot, exact=True)
        party, action = [*slot.split("."), ""][:2]
        if action in ck.ix.actors and action not in standing:
            ck.add(p, f"{action} is not a standing policy (standing: true): never in force", slot)
        if (party, action) in policies:
            ck.add(p, f"{party} already has {action} in force at {policies[(party, action)]}", slot)
        policies.setdefault((party, action), format_path(p))
    for p, slot in _strings(initial, "taken", _SECTION):
        ck.slot(p, slot, exact=True)
    tracks = initial.get("tracks")
    if isinstance(tracks, Mapping):
        for track, level in tracks.items():
            path = (*_SECTION, "tracks", str(track))
            if track not in ck.ix.track_levels:
                known = _join(sorted(ck.ix.track_levels))
                ck.add(path, f"unknown track (expected one of: {known})", track)
            elif isinstance(level, str) and level not in ck.ix.track_levels[track]:
                levels = _join(ck.ix.track_levels[track])
                ck.add(path, f"unknown level of track {track} (expected one of: {levels})", level)
    _check_institutions(ck, initial)
    pairs: set[tuple[str, str]] = set()
    for p, item in _items(initial, "trust", _SECTION):
        pair = item.get("pair")
        ck.pair((*p, "pair"), pair)
        if isinstance(pair, list) and len(pair) == 2:
            key = (str(pair[0]), str(pair[1]))
            if key in pairs:
                ck.add((*p, "pair"), "trust of this pair is already given", pair)
            pairs.add(key)


def _check_institutions(ck: _Checker, initial: Mapping[str, Any]) -> None:
    """Each entry names an institution's policy level, at most one level per policy."""
    from detente.scenario.references import _join, _strings

    known = policy_levels(ck.doc)  # "INSTITUTION.policy" -> its levels
    seen: dict[str, str] = {}
    for p, ref in _strings(initial, "institutions", _SECTION):
        policy, _, level = ref.rpartition(".")
        if policy not in known or level not in known[policy]:
            expected = _join([f"{q}.{lv}" for q, levels in known.items() for lv in levels])
            hint = f"expected one of: {expected}" if expected else "the scenario has none"
            ck.add(p, f"not an institution's policy level ({hint})", ref)
        elif policy in seen:
            ck.add(p, f"{policy} already has a level in force at {seen[policy]}", ref)
        else:
            seen[policy] = format_path(p)
