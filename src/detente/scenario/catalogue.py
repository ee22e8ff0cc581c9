"""The compiled actions of a scenario: each level and each counter-action is an action of its own.

A graded action (``levels``) compiles to one action per level, named
``action.level``; a standing policy's revocation (``revoked_by``) and a
one-off act's reversal (``reversed_by``) compile to actions named by their
own ids, taken by the same actors. So the engine keeps working on slots
(one party taking one compiled action), and what the new fields mean is
said here once, in terms of slots:

* which slots a reference names: in conditions ``PARTY.action.level`` is
  that level or a stronger one, a bare ``PARTY.action`` any level
  (:meth:`Catalogue.at_least`); in utilities, commitments and default moves
  a reference names exactly one slot (:meth:`Catalogue.exact`);
* what breaks the promise of a slot (:meth:`Catalogue.breakers`);
* which slots a party may not take together (the levels of one graded
  action, with its revocation: :meth:`Catalogue.exclusive`).

Slots are ordered by declared action; within a graded action by actor, then
level, so that one party's levels are consecutive slots (mildest first);
each counter-action's slots follow its action's.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.scenario.schema import Action, Category, CounterAction, Scenario

REVOKES = "revokes"
REVERSES = "reverses"


@dataclass(frozen=True)
class Entry:
    """One compiled action: an ungraded action, one level of a graded one, or a counter-action."""

    name: str  # "freeze", "drills.full", "end_moratorium"
    action: Action  # the declared action it belongs to (the one countered, for a counter-action)
    level: int  # its position among the action's levels, -1 when ungraded or a counter-action
    intensity: float
    category: Category
    stages: list[str] | None
    counter: str  # "", REVOKES or REVERSES

    @property
    def standing(self) -> bool:
        return self.action.standing and not self.counter

    @property
    def repeatable(self) -> bool:
        return self.action.repeatable or bool(self.counter)

    @property
    def breaks(self) -> list[str]:
        """What this compiled action's execution breaks (``action`` or ``action.level`` refs)."""
        if self.counter:
            return []
        own = self.action.levels[self.level].breaks if self.level >= 0 else []
        return [*self.action.breaks, *own]


def _counter(action: Action, spec: CounterAction, kind: str) -> Entry:
    return Entry(spec.id, action, -1, spec.intensity, spec.category, None, kind)


def _entries(action: Action) -> list[Entry]:
    """The compiled actions of one declared action (its levels, or itself), then its counters."""
    if action.levels:
        out = [
            Entry(
                f"{action.id}.{level.id}",
                action,
                i,
                action.intensity if level.intensity is None else level.intensity,
                action.category,
                action.stages if level.stages is None else level.stages,
                "",
            )
            for i, level in enumerate(action.levels)
        ]
    else:
        out = [Entry(action.id, action, -1, action.intensity, action.category, action.stages, "")]
    if action.revoked_by is not None:
        out.append(_counter(action, action.revoked_by, REVOKES))
    if action.reversed_by is not None:
        out.append(_counter(action, action.reversed_by, REVERSES))
    return out


class Catalogue:
    """A validated scenario's compiled actions and slots, and what its references name."""

    def __init__(self, scenario: Scenario) -> None:
        self.parties = tuple(p.id for p in scenario.parties)
        pix = {p: i for i, p in enumerate(self.parties)}
        self.entries: list[Entry] = []
        slots: list[tuple[int, int]] = []
        self.votes = {r.id for inst in scenario.institutions for r in inst.resolutions}
        self.declared = scenario.declared_actions  # entries refer to these very objects
        for action in self.declared:
            entries = _entries(action)
            first = len(self.entries)
            self.entries += entries
            levels = [
                e for e in range(first, first + len(entries)) if not entries[e - first].counter
            ]
            counters = [e for e in range(first, first + len(entries)) if entries[e - first].counter]
            for actor in action.actors:
                slots += [(pix[actor], e) for e in levels]
            for e in counters:
                slots += [(pix[actor], e) for actor in action.actors]
        self.slots = tuple(slots)
        self.names = tuple(e.name for e in self.entries)
        self._slot = {(self.parties[p], self.names[e]): k for k, (p, e) in enumerate(slots)}

    def entry(self, k: int) -> Entry:
        return self.entries[self.slots[k][1]]

    def exact(self, party: str, name: str) -> int:
        """The slot of ``party`` taking compiled action ``name`` (``action.level`` when graded)."""
        return self._slot[(party, name)]

    def ref(self, ref: str) -> int:
        """The slot of ``PARTY.name`` (``PARTY.action.level`` when graded)."""
        party, name = ref.split(".", 1)
        return self.exact(party, name)

    def _levels(self, party: str, action: Action) -> list[int]:
        return [self.exact(party, f"{action.id}.{level.id}") for level in action.levels]

    def at_least(self, ref: str) -> list[int]:
        """The slots a condition's ``ref`` is met by: a level or stronger, any level when bare."""
        party, name = ref.split(".", 1)
        action, _, level = name.partition(".")
        declared = next(
            (e.action for e in self.entries if e.action.id == action and not e.counter), None
        )
        if declared is None or not declared.levels or (level and action in self.votes):
            return [self.exact(party, name)]  # a vote names exactly itself (no is not "more" yes)
        slots = self._levels(party, declared)
        if not level:
            return slots
        return slots[[lv.id for lv in declared.levels].index(level) :]

    def breakers(self, k: int) -> list[int]:
        """The slots of the same party whose execution breaks the promise of slot ``k``.

        An action whose ``breaks`` names ``k``'s action (any level) or one of its
        levels up to ``k``'s; for a standing policy its revocation and, when
        graded, its milder levels (stepping down); for a one-off act its reversal.
        """
        p, e = self.slots[k]
        own = self.entries[e]
        if own.counter:
            return []  # nothing promises a counter-action (validation refuses such commitments)
        names = {own.action.id}
        if own.level >= 0:
            names |= {f"{own.action.id}.{lv.id}" for lv in own.action.levels[: own.level + 1]}
        party = self.parties[p]
        found = [
            j
            for j, (q, f) in enumerate(self.slots)
            if q == p and any(ref in names for ref in self.entries[f].breaks)
        ]
        for entry in self.entries:
            if entry.action is own.action and entry.counter and (party, entry.name) in self._slot:
                found.append(self.exact(party, entry.name))
        if own.standing and own.level > 0:
            found += self._levels(party, own.action)[: own.level]
        return sorted(set(found))

    def _declared(self) -> list[Action]:
        return list({id(e.action): e.action for e in self.entries}.values())

    def graded(self) -> list[list[int]]:
        """The level slots of each party's graded action, mildest first (at most one executes)."""
        return [
            self._levels(party, action)
            for action in self._declared()
            if action.levels
            for party in action.actors
        ]

    def exclusive(self) -> list[list[int]]:
        """Sets of slots of which a move may name at most one outright.

        A party's levels of one graded action, and an action (any level) with
        its own counter-action (a policy and its revocation, an act and its
        reversal).
        """
        groups = []
        for action in self._declared():
            counters = [c for c in (action.revoked_by, action.reversed_by) if c is not None]
            if not action.levels and not counters:
                continue
            for party in action.actors:
                group = self._levels(party, action) or [self.exact(party, action.id)]
                groups.append(group + [self.exact(party, c.id) for c in counters])
        return groups

    def counters(self) -> list[tuple[int, str, list[int]]]:
        """``(slot, REVOKES or REVERSES, the slots it undoes)`` for every counter-action slot."""
        out = []
        for k, (p, e) in enumerate(self.slots):
            entry = self.entries[e]
            if entry.counter:
                party = self.parties[p]
                if entry.action.levels:
                    targets = self._levels(party, entry.action)
                else:
                    targets = [self.exact(party, entry.action.id)]
                out.append((k, entry.counter, targets))
        return out
