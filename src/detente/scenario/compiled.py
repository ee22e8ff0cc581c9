"""A scenario compiled once into integer indices, and the questions it answers by meaning.

Everything that happens in a round is about *slots* (one party taking one
action, index ``k``), *commitments* (``m``), *deals* (``d``), *stages*
(``s``) and *parties* (``p``). :class:`CompiledScenario` numbers them once
and answers what callers need to know of them: a party's own slots and
commitments (its :class:`Seat`), what a commitment's condition needs, a
deal's members, what breaks a promise, the utility of a set of executed
slots. How the engine's kernel lays these out for speed (bit words, CSR
lists, probability thresholds) is the engine's own business
(``engine/tables.py``), built from this and private to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.scenario.catalogue import Catalogue
from detente.scenario.institutions import InstitutionModel
from detente.scenario.moves import NamedMove
from detente.scenario.outcomes import OutcomeModel
from detente.scenario.schema import Category, Scenario
from detente.scenario.utility import UtilityModel


@dataclass(frozen=True, eq=False)
class Seat:
    """One party's own slots and commitments, by index and by name (built once per party).

    A party's move covers its own *columns*: column ``i`` of its actions is
    slot ``slots[i]`` (the action named ``actions[i]``), column ``j`` of its
    offers is commitment ``commitments[j]`` (named ``offers[j]``), whose
    action is slot ``commitment_slots[j]``, which is column
    ``offer_columns[j]`` of its actions. ``action_slot`` and
    ``commitment_index`` map names to scenario-wide indices.
    """

    party: int
    name: str
    slots: I64
    commitments: I64
    commitment_slots: I64
    offer_columns: I64
    action_slot: Mapping[str, int]
    commitment_index: Mapping[str, int]
    exclusive: tuple[tuple[str, ...], ...] = ()
    """Own actions of which a move may name at most one (levels; an act and its counter-action)."""

    @property
    def actions(self) -> tuple[str, ...]:
        """The party's own action names, in column order."""
        return tuple(self.action_slot)

    @property
    def offers(self) -> tuple[str, ...]:
        """The party's own commitment ids, in column order."""
        return tuple(self.commitment_index)

    def unknown(self, move: NamedMove) -> str | None:
        """Why ``move`` names something that is not this party's own, or None when all are."""
        for kind, names, own in (
            ("action", move.actions, self.action_slot),
            ("commitment", move.offers, self.commitment_index),
        ):
            for name in names:
                if name not in own:
                    known = ", ".join(own) or "none"
                    return f"{self.name} has no {kind} {name!r} (its {kind}s: {known})"
        return None

    def conflict(self, move: NamedMove) -> str | None:
        """Why ``move`` takes two of one exclusive set outright, or None when it does not."""
        for group in self.exclusive:
            both = [a for a in group if a in move.actions]
            if len(both) > 1:
                return (
                    f"{self.name} takes {' and '.join(both)} in one move: a party takes at most "
                    f"one of {', '.join(group)} per round"
                )
        return None

    @cached_property
    def _exclusive_columns(self) -> tuple[tuple[int, ...], ...]:
        column = {name: i for i, name in enumerate(self.action_slot)}
        return tuple(tuple(column[a] for a in group) for group in self.exclusive)

    def one_of_each(self, actions: B8) -> B8:
        """``actions`` (``[B, own action columns]``, changed in place and returned) with at most
        one of each exclusive set: the first chosen in its order (the mildest level; an act
        rather than its counter-action)."""
        for columns in self._exclusive_columns:
            chosen = np.zeros(actions.shape[0], dtype=bool)
            for j in columns:
                actions[:, j] &= ~chosen
                chosen |= actions[:, j]
        return actions

    def flags(self, move: NamedMove) -> tuple[B8, B8]:
        """``move`` as flags over the party's action and offer columns; ValueError if not own
        or if it takes two levels of one action (or an action and its counter-action)."""
        wrong = self.unknown(move) or self.conflict(move)
        if wrong is not None:
            raise ValueError(wrong)
        actions = np.isin(self.actions, move.actions)
        offers = np.isin(self.offers, move.offers)
        return actions, offers

    def named(self, actions: B8, offers: B8) -> NamedMove:
        """The move whose flags over the party's columns are ``actions`` and ``offers``."""
        return NamedMove(
            (a for a, on in zip(self.actions, actions, strict=True) if on),
            (m for m, on in zip(self.offers, offers, strict=True) if on),
        )


@dataclass(frozen=True, eq=False)
class CompiledScenario:
    """Names for every index, per-slot and per-commitment facts, and the utility model.

    Arrays are indexed by slot ``[K]``, commitment ``[M]``, or stage and slot
    ``[S, K]``; treat them as read-only. Lists of varying length (a deal's
    members, a commitment's conditions, a slot's breakers) are answered by
    methods.
    """

    scenario: Scenario
    parties: tuple[str, ...]
    actions: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]  # (party index, action index)
    commitments: tuple[str, ...]
    deals: tuple[str, ...]
    stages: tuple[str, ...]
    tracks: tuple[str, ...]
    track_levels: tuple[tuple[str, ...], ...]
    rules: tuple[str, ...]  # "stage.rule"
    slot_party: I64  # [K] the party taking each slot
    slot_available: B8  # [S, K] slots available in each stage
    slot_repeatable: B8  # [K] False for one-off acts
    slot_provocation: B8  # [K] provocations (they break calm; observers read them as hostile)
    slot_intensity: F64  # [K] the action's signed intensity, -10..10
    slot_category: tuple[Category, ...]  # [K] the action's category
    slot_standing: B8  # [K] standing policies: in force from their execution until revoked
    commitment_party: I64  # [M]
    commitment_slot: I64  # [M] the slot a commitment executes
    commitment_deal: I64  # [M] its deal, -1 outside every deal
    default_move: B8  # [K] slots of each party's default move (live play)
    utilities: UtilityModel
    outcomes: OutcomeModel  # acts that can fail, and each observer's reading of each act
    _conditions: tuple[I64, ...]  # [M] slots each commitment's condition needs
    _members: tuple[I64, ...]  # [D] commitments of each deal
    _breakers: tuple[I64, ...]  # [K] slots whose execution breaks the promise of slot k
    _condition_sets: tuple[tuple[I64, ...], ...] = ()  # [M] each condition: the slots meeting it
    counters: tuple[tuple[int, str, I64], ...] = ()
    """``(slot, "revokes" or "reverses", the slots it undoes)`` of each counter-action slot:
    available only while one of those is in force (a revocation) or taken (a reversal)."""
    graded: tuple[I64, ...] = ()
    """Each party's levels of a graded action, mildest first: at most one of them executes."""
    exclusive: tuple[I64, ...] = ()
    """Sets of slots of which a move may take at most one outright (see :class:`Seat`)."""
    institutions: InstitutionModel = field(default_factory=InstitutionModel)
    """Institutions' policy levels and resolutions (the tally of the members' votes)."""

    @property
    def has_policies(self) -> bool:
        """Whether any slot is a standing policy (the state then carries what is in force)."""
        return bool(self.slot_standing.any())

    @property
    def n_parties(self) -> int:
        return len(self.parties)

    @property
    def n_slots(self) -> int:
        return len(self.slots)

    def slot_label(self, k: int) -> str:
        p, a = self.slots[k]
        return f"{self.parties[p]}.{self.actions[a]}"

    def slot_of(self, party: str, action: str) -> int:
        """The slot index of ``party`` taking ``action``; KeyError names both when absent."""
        try:
            key = (self.parties.index(party), self.actions.index(action))
            return self.slots.index(key)
        except ValueError:
            raise KeyError(
                f"{party} cannot take action {action} in scenario {self.scenario.id}"
            ) from None

    def party_slots(self, party: int) -> I64:
        """The slots of party ``party`` (its own actions), in scenario order."""
        return self.seat(party).slots

    def party_commitments(self, party: int) -> I64:
        """The commitments party ``party`` may offer, in scenario order."""
        return self.seat(party).commitments

    def commitment_conditions(self, m: int) -> I64:
        """The slots commitment ``m``'s condition needs executed (all of them); for a condition
        that several slots meet (a level or a stronger one), the mildest of them."""
        return self._conditions[m]

    def condition_slots(self, ref: str) -> list[int]:
        """The slots that meet ``PARTY.action[.level]`` in a condition (criteria, triggers,
        commitments): that level or a stronger one, any level when bare; consecutive."""
        return self._catalogue.at_least(ref)

    @cached_property
    def _catalogue(self) -> Catalogue:
        return Catalogue(self.scenario)

    def commitment_condition_sets(self, m: int) -> tuple[I64, ...]:
        """Commitment ``m``'s conditions, each as the slots any one of which meets it."""
        if not self._condition_sets:
            return tuple(np.array([k], dtype=np.int64) for k in self._conditions[m])
        return self._condition_sets[m]

    def deal_members(self, d: int) -> I64:
        """The commitments of deal ``d``: it clears only when all of them do."""
        return self._members[d]

    def package(self, m: int) -> I64:
        """The commitments that clear with ``m`` or not at all: its deal's, or ``m`` alone."""
        d = int(self.commitment_deal[m])
        return self._members[d] if d >= 0 else np.array([m], dtype=np.int64)

    def breakers(self, k: int) -> I64:
        """The slots whose execution breaks the promise of slot ``k`` (a test breaks a freeze)."""
        return self._breakers[k]

    def deal_breakers(self, d: int) -> I64:
        """The slots whose execution violates deal ``d`` while it is in force."""
        found = [self._breakers[int(self.commitment_slot[m])] for m in self._members[d]]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def seat(self, party: int | str) -> Seat:
        """Party ``party``'s :class:`Seat` (by index or id), built once per scenario."""
        p = self.parties.index(party) if isinstance(party, str) else int(party)
        return self._seats[p]

    @cached_property
    def _seats(self) -> tuple[Seat, ...]:
        seats = []
        for p, name in enumerate(self.parties):
            slots = np.flatnonzero(self.slot_party == p)
            coms = np.flatnonzero(self.commitment_party == p)
            column = {int(k): i for i, k in enumerate(slots)}
            seats.append(
                Seat(
                    party=p,
                    name=name,
                    slots=slots,
                    commitments=coms,
                    commitment_slots=self.commitment_slot[coms],
                    offer_columns=np.array(
                        [column[int(k)] for k in self.commitment_slot[coms]], dtype=np.int64
                    ),
                    action_slot=MappingProxyType(
                        {self.actions[self.slots[k][1]]: int(k) for k in slots}
                    ),
                    commitment_index=MappingProxyType({self.commitments[m]: int(m) for m in coms}),
                    exclusive=tuple(
                        tuple(self.actions[self.slots[int(k)][1]] for k in group)
                        for group in self.exclusive
                        if self.slot_party[group[0]] == p
                    ),
                )
            )
        return tuple(seats)


def _lists(rows: Sequence[Sequence[int]]) -> tuple[I64, ...]:
    return tuple(np.asarray(row, dtype=np.int64) for row in rows)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile a validated scenario into indices (done once per scenario)."""
    catalogue = Catalogue(scenario)
    parties = catalogue.parties
    actions = catalogue.names
    stages = tuple(s.id for s in scenario.roadmap.stages)
    pix = {p: i for i, p in enumerate(parties)}
    six = {s: i for i, s in enumerate(stages)}
    slots = catalogue.slots
    slot = catalogue.ref
    K, S = len(slots), len(stages)
    slot_action = [catalogue.entry(k) for k in range(K)]
    slot_party = np.array([p for p, _ in slots], dtype=np.int64)
    slot_intensity = np.array([a.intensity for a in slot_action], dtype=np.float64)
    declared = {id(a): i for i, a in enumerate(catalogue.declared)}
    # the declared action each slot takes (any of its levels); -1 for a counter-action
    slot_declared = np.array(
        [-1 if a.counter else declared[id(a.action)] for a in slot_action], dtype=np.int64
    )
    available = np.zeros((S, K), dtype=bool)
    for k, act in enumerate(slot_action):
        if act.counter:
            continue  # available while what it undoes is in force or taken, in any stage
        for s in act.stages if act.stages is not None else stages:
            available[six[s], k] = True

    commitments = tuple(c.id for c in scenario.commitments)
    cix = {c: i for i, c in enumerate(commitments)}
    deals = tuple(d.id for d in scenario.deals)
    com_deal = np.full(len(commitments), -1, dtype=np.int64)
    members = []
    for d, deal in enumerate(scenario.deals):
        members.append([cix[c] for c in deal.commitments])
        com_deal[members[-1]] = d
    default_move = np.zeros(K, dtype=bool)
    for party in scenario.parties:
        for action in party.default_move:
            default_move[catalogue.exact(party.id, action)] = True
    rules = tuple(
        f"{stage.id}.{rule.id}" for stage in scenario.roadmap.stages for rule in stage.breakdown
    )
    condition_sets = [
        [catalogue.at_least(ref) for ref in c.conditions] for c in scenario.commitments
    ]
    graded = any(len(found) > 1 for sets in condition_sets for found in sets)
    return CompiledScenario(
        scenario=scenario,
        parties=parties,
        actions=actions,
        slots=slots,
        commitments=commitments,
        deals=deals,
        stages=stages,
        tracks=tuple(t.id for t in scenario.tracks),
        track_levels=tuple(tuple(level.id for level in t.levels) for t in scenario.tracks),
        rules=rules,
        slot_party=slot_party,
        slot_available=available,
        slot_repeatable=np.array([a.repeatable for a in slot_action], dtype=bool),
        slot_provocation=np.array([a.category == "provocation" for a in slot_action], dtype=bool),
        slot_intensity=slot_intensity,
        slot_category=tuple(a.category for a in slot_action),
        slot_standing=np.array([a.standing for a in slot_action], dtype=bool),
        commitment_party=np.array([pix[c.party] for c in scenario.commitments], dtype=np.int64),
        commitment_slot=np.array(
            [catalogue.exact(c.party, c.action) for c in scenario.commitments], dtype=np.int64
        ),
        commitment_deal=com_deal,
        default_move=default_move,
        utilities=UtilityModel.of(scenario.utilities, pix, slot, K),
        outcomes=OutcomeModel.of(
            scenario,
            pix,
            catalogue.at_least,
            {d: i for i, d in enumerate(deals)},
            slot_party,
            slot_declared,
            slot_intensity,
            np.array([a.level for a in slot_action], dtype=np.int64),
        ),
        _conditions=_lists([[found[0] for found in sets] for sets in condition_sets]),
        _members=_lists(members),
        _breakers=_lists([catalogue.breakers(k) for k in range(K)]),
        _condition_sets=tuple(_lists(sets) for sets in condition_sets) if graded else (),
        counters=tuple(
            (k, kind, np.asarray(targets, dtype=np.int64))
            for k, kind, targets in catalogue.counters()
        ),
        graded=_lists(catalogue.graded()),
        exclusive=_lists(catalogue.exclusive()),
        institutions=InstitutionModel.of(scenario, pix, catalogue.exact),
    )
