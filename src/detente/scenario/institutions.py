"""Institutions: bodies whose members vote on resolutions that put the body's policies in force.

A scenario's ``institutions`` (the UN Security Council) compile in two parts:

* each resolution is a graded action of the institution's members, its
  levels the votes ``abstain``, ``in_favour`` and ``against`` (``Scenario.declared_actions``),
  so a vote is a slot like any other: taken outright, perceived, read, valued;
* the institution's policies are *levels in force* held by no party, indexed
  ``l`` over all institutions (``[L]``), and each resolution is a row of what
  the engine tallies: its members' vote slots, who holds a veto, the outside
  votes, the threshold and what adoption does to which policy
  (:class:`InstitutionModel`).

A resolution is put to a vote in a round in which any member votes on it;
it is adopted when the votes in favour, the outside ones included, reach
the threshold and no member holding a veto votes against. Adopting ``adopts:
policy.level`` raises the policy to that level at least; ``eases:
policy.level`` lowers it to that level at most, ``eases: policy`` lifts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.scenario.errors import ScenarioIssue, format_path
from detente.scenario.schema import VOTES, Scenario

Path = tuple[str | int, ...]

NOT_VOTED, ADOPTED, VETOED, REJECTED = 0, 1, 2, 3
"""What became of a resolution in a round (``StepEvents.resolutions``)."""
RESULTS = ("not voted", "adopted", "vetoed", "rejected")


@dataclass(frozen=True)
class InstitutionModel:
    """Every institution's policy levels and resolutions, by index.

    ``levels[l]`` names a policy level ``INSTITUTION.policy.level``; a
    policy's levels are consecutive, mildest first, ``policy_levels[q]``
    the range ``(first, last + 1)``. Resolution ``r`` is put to the vote of
    ``members[r]`` (parties) through ``vote_slots[r]`` (``[members, 3]``:
    abstain, in favour, against); ``veto[r]`` says which of them hold a veto.
    Adoption sets its policy ``r_policy[r]`` to level ``r_target[r]``
    (``first - 1``: lifted) at least (``r_raise[r]``) or at most.
    """

    levels: tuple[str, ...] = ()
    value: F64 = field(default_factory=lambda: np.zeros((0, 0)))  # [L, P] utility per round
    policies: tuple[str, ...] = ()  # "INSTITUTION.policy"
    policy_levels: tuple[tuple[int, int], ...] = ()
    resolutions: tuple[str, ...] = ()
    institution: tuple[str, ...] = ()  # [R] the institution voting on each
    members: tuple[I64, ...] = ()
    vote_slots: tuple[I64, ...] = ()
    veto: tuple[B8, ...] = ()
    outside: tuple[tuple[int, int, int], ...] = ()  # [R] (abstain, in favour, against) outside
    threshold: tuple[int, ...] = ()
    r_policy: tuple[int, ...] = ()
    r_target: tuple[int, ...] = ()
    r_raise: tuple[bool, ...] = ()

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    def worth(self, in_force: B8) -> F64:
        """``[B, P]`` what the levels ``in_force`` (``[B, L]``) pay each party in a round: the
        engine pays this on top of ``UtilityModel.value`` of the executed slots."""
        worth: F64 = np.asarray(in_force, dtype=np.float64) @ self.value.reshape(self.n_levels, -1)
        return worth

    def in_force_range(self, ref: str) -> tuple[int, int]:
        """The levels (first, last) that meet ``INSTITUTION.policy[.level]`` in criteria:
        that level or a stronger one, any level when bare."""
        inst, policy, *level = ref.split(".")
        lo, hi = self.policy_levels[self.policies.index(f"{inst}.{policy}")]
        first = self.levels.index(f"{inst}.{policy}.{level[0]}") if level else lo
        return first, hi - 1

    @staticmethod
    def of(
        scenario: Scenario, party: Mapping[str, int], slot: Callable[[str, str], int]
    ) -> InstitutionModel:
        """The model of a validated scenario; ``slot(party, name)`` is a compiled slot."""
        levels: list[str] = []
        values: list[list[float]] = []
        policies: list[str] = []
        ranges: list[tuple[int, int]] = []
        rows: dict[str, list[Any]] = {k: [] for k in _PER_RESOLUTION}
        for inst in scenario.institutions:
            for policy in inst.policies:
                policies.append(f"{inst.id}.{policy.id}")
                ranges.append((len(levels), len(levels) + len(policy.levels)))
                for grade in policy.levels:
                    levels.append(f"{inst.id}.{policy.id}.{grade.id}")
                    row = [0.0] * len(party)
                    for pid, v in grade.utilities.items():
                        row[party[pid]] = v
                    values.append(row)
        for inst in scenario.institutions:
            holds = [
                inst.veto is not None and _true(scenario, p, inst.veto.attribute)
                for p in inst.members
            ]
            for r in inst.resolutions:
                out = r.outside_votes if r.outside_votes is not None else inst.outside_votes
                ref = r.adopts if r.adopts is not None else r.eases
                assert ref is not None  # the schema requires one
                pol, _, level = ref.partition(".")
                q = policies.index(f"{inst.id}.{pol}")
                lo = ranges[q][0]
                target = levels.index(f"{inst.id}.{ref}") if level else lo - 1
                rows["resolutions"].append(r.id)
                rows["institution"].append(inst.id)
                rows["members"].append(np.array([party[p] for p in inst.members], dtype=np.int64))
                rows["vote_slots"].append(
                    np.array(
                        [[slot(p, f"{r.id}.{v}") for v in VOTES] for p in inst.members],
                        dtype=np.int64,
                    ).reshape(len(inst.members), len(VOTES))
                )
                rows["veto"].append(np.array(holds, dtype=bool))
                rows["outside"].append((out.abstain, out.in_favour, out.against))
                rows["threshold"].append(inst.threshold)
                rows["r_policy"].append(q)
                rows["r_target"].append(target)
                rows["r_raise"].append(r.adopts is not None)
        return InstitutionModel(
            levels=tuple(levels),
            value=np.array(values, dtype=np.float64).reshape(len(levels), len(party)),
            policies=tuple(policies),
            policy_levels=tuple(ranges),
            **{k: tuple(v) for k, v in rows.items()},
        )


_PER_RESOLUTION = (
    "resolutions",
    "institution",
    "members",
    "vote_slots",
    "veto",
    "outside",
    "threshold",
    "r_policy",
    "r_target",
    "r_raise",
)


def _true(scenario: Scenario, party: str, attribute: str) -> bool:
    found = next(p for p in scenario.parties if p.id == party)
    return found.attributes.get(attribute) is True


# --- validation on the raw document (see scenario/references.py) ------------------------


def _items(data: Any, key: str, base: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    seq = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            if isinstance(item, Mapping):
                yield (*base, key, i), item


def vote_actions(doc: Mapping[str, Any]) -> Iterator[tuple[Path, str, list[str]]]:
    """``(path of its id, resolution id, members)`` of every resolution: the vote actions."""
    for p, inst in _items(doc, "institutions", ()):
        members = inst.get("members")
        names = [m for m in members if isinstance(m, str)] if isinstance(members, list) else []
        for q, res in _items(inst, "resolutions", p):
            if isinstance(res.get("id"), str):
                yield (*q, "id"), res["id"], names


def policy_levels(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """``INSTITUTION.policy`` -> its level ids, as declared (leniently)."""
    out: dict[str, list[str]] = {}
    for p, inst in _items(doc, "institutions", ()):
        for q, pol in _items(inst, "policies", p):
            key = f"{inst.get('id')}.{pol.get('id')}"
            out[key] = [str(lv.get("id")) for _, lv in _items(pol, "levels", q)]
    return out


def check_institutions(doc: Mapping[str, Any], stages: list[str]) -> list[ScenarioIssue]:
    """Every problem of the ``institutions`` section that needs the rest of the document."""
    issues: list[ScenarioIssue] = []

    def add(path: Path, message: str, value: Any) -> None:
        issues.append(ScenarioIssue(format_path(path), message, value))

    parties = {
        str(p.get("id")): p for _, p in _items(doc, "parties", ()) if isinstance(p.get("id"), str)
    }
    known = ", ".join(parties) or "(none defined)"
    for p, inst in _items(doc, "institutions", ()):
        members = inst.get("members")
        members = [m for m in members if isinstance(m, str)] if isinstance(members, list) else []
        seen: set[str] = set()
        for i, m in enumerate(members):
            if m not in parties:
                add((*p, "members", i), f"unknown party (expected one of: {known})", m)
            elif m in seen:
                add((*p, "members", i), "a party votes once: member listed twice", m)
            seen.add(m)
        veto = inst.get("veto")
        attribute = veto.get("attribute") if isinstance(veto, Mapping) else None
        if isinstance(attribute, str):
            for i, m in enumerate(members):
                if m in members[:i]:
                    continue  # reported as listed twice
                attrs = parties.get(m, {}).get("attributes")
                value = attrs.get(attribute) if isinstance(attrs, Mapping) else None
                if m in parties and not isinstance(value, bool):
                    add(
                        (*p, "members", i),
                        f"member {m} has no attribute {attribute} of true or false, which says "
                        "whether it holds a veto",
                        value,
                    )
        threshold = inst.get("threshold")
        for where, outside in [
            ((*p, "threshold"), inst.get("outside_votes")),
            *(
                ((*q, "outside_votes"), res.get("outside_votes"))
                for q, res in _items(inst, "resolutions", p)
                if "outside_votes" in res
            ),
        ]:
            counts = outside if isinstance(outside, Mapping) else {}
            total = len(members) + sum(v for v in counts.values() if isinstance(v, int))
            if isinstance(threshold, int) and threshold > total:
                add(
                    where,
                    f"no resolution can be adopted: {threshold} votes in favour needed of "
                    f"{total} ({len(members)} members and {total - len(members)} outside votes)",
                    threshold,
                )
        declared = policy_levels({"institutions": [inst]})
        own = {key.split(".", 1)[1]: levels for key, levels in declared.items()}
        _duplicates(add, [((*q, "id"), pol.get("id")) for q, pol in _items(inst, "policies", p)])
        for q, pol in _items(inst, "policies", p):
            _duplicates(add, [((*r, "id"), lv.get("id")) for r, lv in _items(pol, "levels", q)])
            for r, level in _items(pol, "levels", q):
                utilities = level.get("utilities")
                for pid in utilities if isinstance(utilities, Mapping) else ():
                    if pid not in parties:
                        add(
                            (*r, "utilities", pid), f"unknown party (expected one of: {known})", pid
                        )
        for q, res in _items(inst, "resolutions", p):
            for key in ("adopts", "eases"):
                ref = res.get(key)
                if not isinstance(ref, str):
                    continue
                name, _, grade = ref.partition(".")
                if name not in own:
                    choices = ", ".join(own) or "(none defined)"
                    add((*q, key), f"unknown policy of {inst.get('id')} (expected: {choices})", ref)
                elif grade and grade not in own[name]:
                    add(
                        (*q, key),
                        f"unknown level of {name} (expected one of: {', '.join(own[name])})",
                        ref,
                    )
                elif key == "adopts" and not grade and len(own[name]) > 1:
                    add((*q, key), f"{name} has levels: name the one adopted", ref)
            res_stages = res.get("stages")
            for i, s in enumerate(res_stages if isinstance(res_stages, list) else ()):
                if isinstance(s, str) and s not in stages:
                    add(
                        (*q, "stages", i),
                        f"unknown stage (expected one of: {', '.join(stages)})",
                        s,
                    )
            if res_stages == []:
                add((*q, "stages"), "a resolution on the table in no stage is never voted", [])
    _duplicates(add, [((*p, "id"), i.get("id")) for p, i in _items(doc, "institutions", ())])
    return issues


def _duplicates(add: Callable[[Path, str, Any], None], ids: list[tuple[Path, Any]]) -> None:
    seen: set[Any] = set()
    for path, value in ids:
        if value in seen:
            add(path, "duplicate id", value)
        seen.add(value)


def check_in_force(doc: Mapping[str, Any], path: Path, ref: Any) -> list[ScenarioIssue]:
    """The problem with a criteria's ``in_force`` entry ``INSTITUTION.policy[.level]``, if any."""
    if not isinstance(ref, str):
        return []
    declared = policy_levels(doc)
    inst, _, rest = ref.partition(".")
    policy, _, level = rest.partition(".")
    key = f"{inst}.{policy}"
    if key not in declared:
        known = ", ".join(declared) or "(no institution declares a policy)"
        return [ScenarioIssue(format_path(path), f"unknown policy (expected one of: {known})", ref)]
    if level and level not in declared[key]:
        levels = ", ".join(declared[key])
        return [ScenarioIssue(format_path(path), f"unknown level of {key} ({levels})", ref)]
    return []
