"""A scenario compiled once into index arrays for the batch engine.

The engine never looks at names: it works on *slots* (one party taking one
action, ``k``), commitments (``m``), deals (``d``), stages (``s``), tracks and
criteria, all as integer indices into flat arrays. Variable-length lists are
stored in CSR form: ``ptr[i]:ptr[i+1]`` slices ``idx`` for item ``i``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from detente.scenario.schema import Criteria, Scenario, Trigger

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B8 = NDArray[np.bool_]

THEN_BACK = 0
THEN_STALL = 1


class Tables(NamedTuple):
    """Everything the numba kernels read; plain arrays and scalars only."""

    n_parties: int
    n_stages: int
    slot_party: I64
    party_slot_ptr: I64
    party_slot: I64
    slot_available: B8  # [S, K]
    slot_repeatable: B8
    slot_provocation: B8
    evidence_pos: F64  # [K] cooperative evidence when perceived
    evidence_neg: F64  # [K] hostile evidence when perceived
    base: F64  # [P]
    linear: F64  # [K, P]
    pair_k: I64
    pair_l: I64
    pair_value: F64  # [T, P]
    discount: float
    com_slot: I64
    com_deal: I64
    com_cond_ptr: I64
    com_cond: I64
    deal_ptr: I64
    deal_com: I64
    breaks_ptr: I64
    breaks: I64
    crit_trust_ptr: I64
    crit_trust_i: I64
    crit_trust_j: I64
    crit_trust_min: F64
    crit_calm: I64
    crit_min_rounds: I64
    crit_deal_ptr: I64
    crit_deal: I64
    crit_track_ptr: I64
    crit_track: I64
    crit_track_level: I64  # required number of levels reached
    crit_taken_ptr: I64
    crit_taken: I64
    crit_exec_ptr: I64
    crit_exec: I64
    stage_entry: I64  # criteria index
    stage_exit: I64
    stage_rule_ptr: I64
    rule_then: I64
    rule_exec_ptr: I64
    rule_exec: I64
    rule_provocations: I64
    rule_violation: B8
    rule_trust_ptr: I64
    rule_trust_i: I64
    rule_trust_j: I64
    rule_trust_max: F64
    resume: I64  # criteria indices, any of which resumes
    success_hold: int
    success_crit: int
    track_level_ptr: I64
    track_level_crit: I64
    miss: F64  # [P]
    false_alarm: F64  # [P]
    prior_pos: F64  # [P, P]
    prior_neg: F64  # [P, P]
    forgetting: float
    restraint_evidence: float


@dataclass(frozen=True, eq=False)
class CompiledScenario:
    """Names for every index, plus the kernel :class:`Tables`."""

    scenario: Scenario
    parties: tuple[str, ...]
    actions: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]  # (party index, action index)
    commitments: tuple[str, ...]
    com_party: I64
    deals: tuple[str, ...]
    stages: tuple[str, ...]
    tracks: tuple[str, ...]
    track_levels: tuple[tuple[str, ...], ...]
    rules: tuple[str, ...]  # "stage.rule"
    default_move: B8  # [K]
    tables: Tables

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
        return np.flatnonzero(self.tables.slot_party == party)

    def party_commitments(self, party: int) -> I64:
        return np.flatnonzero(self.com_party == party)


class _CSR:
    """Builds one CSR list (ptr + columns) item by item."""

    def __init__(self, columns: int = 1) -> None:
        self.ptr = [0]
        self.cols: list[list[float]] = [[] for _ in range(columns)]

    def add(self, rows: list[tuple[float, ...]]) -> None:
        for row in rows:
            for col, value in zip(self.cols, row, strict=True):
                col.append(value)
        self.ptr.append(self.ptr[-1] + len(rows))

    def ptr_array(self) -> I64:
        return np.asarray(self.ptr, dtype=np.int64)

    def ints(self, col: int = 0) -> I64:
        return np.asarray(self.cols[col], dtype=np.int64)

    def floats(self, col: int) -> F64:
        return np.asarray(self.cols[col], dtype=np.float64)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile a validated scenario into index arrays (done once per scenario)."""
    parties = tuple(p.id for p in scenario.parties)
    actions = tuple(a.id for a in scenario.actions)
    stages = tuple(s.id for s in scenario.roadmap.stages)
    pix = {p: i for i, p in enumerate(parties)}
    aix = {a: i for i, a in enumerate(actions)}
    six = {s: i for i, s in enumerate(stages)}
    slots = tuple((pix[actor], aix[a.id]) for a in scenario.actions for actor in a.actors)
    kix = {(parties[p], actions[a]): k for k, (p, a) in enumerate(slots)}

    def slot(ref: str) -> int:
        party, action = ref.split(".")
        return kix[(party, action)]

    P, K, S = len(parties), len(slots), len(stages)
    by_action = {a.id: a for a in scenario.actions}
    slot_action = [by_action[actions[a]] for _, a in slots]
    available = np.zeros((S, K), dtype=bool)
    for k, act in enumerate(slot_action):
        for s in act.stages if act.stages is not None else stages:
            available[six[s], k] = True
    intensity = np.array([a.intensity for a in slot_action], dtype=np.float64)

    base = np.zeros(P)
    linear = np.zeros((K, P))
    pairs: dict[tuple[int, int], F64] = {}
    for pid, util in scenario.utilities.parties.items():
        p = pix[pid]
        base[p] = util.base
        for ref, value in util.linear.items():
            linear[slot(ref), p] += value
        for term in util.pairwise:
            k, k2 = sorted((slot(term.slots[0]), slot(term.slots[1])))
            if k == k2:
                linear[k, p] += term.value  # x*x == x for a binary x
                continue
            pairs.setdefault((k, k2), np.zeros(P))[p] += term.value
    pair_keys = sorted(pairs)

    commitments = tuple(c.id for c in scenario.commitments)
    cix = {c: i for i, c in enumerate(commitments)}
    deals = tuple(d.id for d in scenario.deals)
    com_deal = np.full(len(commitments), -1, dtype=np.int64)
    deal_csr = _CSR()
    for d, deal in enumerate(scenario.deals):
        members = [cix[c] for c in deal.commitments]
        com_deal[members] = d
        deal_csr.add([(m,) for m in members])
    cond_csr = _CSR()
    for com in scenario.commitments:
        cond_csr.add([(slot(ref),) for ref in com.conditions])
    com_slot = np.array([kix[(c.party, c.action)] for c in scenario.commitments], dtype=np.int64)

    breaks_csr = _CSR()
    for p, a in slots:
        breakers = [
            kix[(parties[p], b.id)]
            for b in scenario.actions
            if actions[a] in b.breaks and (parties[p], b.id) in kix
        ]
        breaks_csr.add([(k,) for k in breakers])

    tracks = tuple(t.id for t in scenario.tracks)
    track_levels = tuple(tuple(level.id for level in t.levels) for t in scenario.tracks)
    criteria: list[Criteria] = []

    def crit_index(c: Criteria) -> int:
        criteria.append(c)
        return len(criteria) - 1

    track_csr = _CSR()
    for t in scenario.tracks:
        track_csr.add([(crit_index(level.criteria),) for level in t.levels])
    stage_entry = np.array([crit_index(s.entry) for s in scenario.roadmap.stages], dtype=np.int64)
    stage_exit = np.array([crit_index(s.exit) for s in scenario.roadmap.stages], dtype=np.int64)
    resume = np.array([crit_index(c) for c in scenario.roadmap.resume], dtype=np.int64)
    success_crit = crit_index(scenario.roadmap.success.criteria)

    tix = {t: i for i, t in enumerate(tracks)}
    dix = {d: i for i, d in enumerate(deals)}
    c_trust, c_deal, c_track, c_taken, c_exec = _CSR(3), _CSR(), _CSR(2), _CSR(), _CSR()
    for c in criteria:
        c_trust.add([(pix[t.pair[0]], pix[t.pair[1]], t.min) for t in c.trust])
        c_deal.add([(dix[d],) for d in c.deals_in_force])
        c_track.add(
            [(tix[r.track], track_levels[tix[r.track]].index(r.level) + 1) for r in c.tracks]
        )
        c_taken.add([(slot(ref),) for ref in c.taken])
        c_exec.add([(slot(ref),) for ref in c.executed])

    rule_names: list[str] = []
    triggers: list[Trigger] = []
    rule_then: list[int] = []
    stage_rule_ptr = [0]
    for stage in scenario.roadmap.stages:
        for rule in stage.breakdown:
            rule_names.append(f"{stage.id}.{rule.id}")
            triggers.append(rule.when)
            rule_then.append(THEN_BACK if rule.then == "back" else THEN_STALL)
        stage_rule_ptr.append(len(rule_names))
    r_exec, r_trust = _CSR(), _CSR(3)
    for trig in triggers:
        r_exec.add([(slot(ref),) for ref in trig.executed])
        r_trust.add([(pix[t.pair[0]], pix[t.pair[1]], t.max) for t in trig.trust_below])

    noise = scenario.noise
    miss = np.full(P, noise.miss)
    false_alarm = np.full(P, noise.false_alarm)
    for pid, obs in noise.observers.items():
        if obs.miss is not None:
            miss[pix[pid]] = obs.miss
        if obs.false_alarm is not None:
            false_alarm[pix[pid]] = obs.false_alarm
    tp = scenario.trust
    prior_pos = np.full((P, P), tp.prior_trust * tp.prior_weight)
    prior_neg = np.full((P, P), (1 - tp.prior_trust) * tp.prior_weight)
    for prior in tp.priors:
        i, j = pix[prior.pair[0]], pix[prior.pair[1]]
        prior_pos[i, j] = prior.trust * prior.weight
        prior_neg[i, j] = (1 - prior.trust) * prior.weight

    default_move = np.zeros(K, dtype=bool)
    for party in scenario.parties:
        for action in party.default_move:
            default_move[kix[(party.id, action)]] = True

    party_csr = _CSR()
    for p in range(P):
        party_csr.add([(k,) for k, (q, _) in enumerate(slots) if q == p])

    i64 = np.int64
    tables = Tables(
        n_parties=P,
        n_stages=S,
        slot_party=np.array([p for p, _ in slots], dtype=i64),
        party_slot_ptr=party_csr.ptr_array(),
        party_slot=party_csr.ints(),
        slot_available=available,
        slot_repeatable=np.array([a.repeatable for a in slot_action], dtype=bool),
        slot_provocation=np.array([a.category == "provocation" for a in slot_action], dtype=bool),
        evidence_pos=np.maximum(intensity, 0.0) / 10.0,
        evidence_neg=np.maximum(-intensity, 0.0) / 10.0,
        base=base,
        linear=linear,
        pair_k=np.array([k for k, _ in pair_keys], dtype=i64),
        pair_l=np.array([k2 for _, k2 in pair_keys], dtype=i64),
        pair_value=np.array([pairs[key] for key in pair_keys], dtype=np.float64).reshape(-1, P),
        discount=float(scenario.utilities.discount),
        com_slot=com_slot,
        com_deal=com_deal,
        com_cond_ptr=cond_csr.ptr_array(),
        com_cond=cond_csr.ints(),
        deal_ptr=deal_csr.ptr_array(),
        deal_com=deal_csr.ints(),
        breaks_ptr=breaks_csr.ptr_array(),
        breaks=breaks_csr.ints(),
        crit_trust_ptr=c_trust.ptr_array(),
        crit_trust_i=c_trust.ints(0),
        crit_trust_j=c_trust.ints(1),
        crit_trust_min=c_trust.floats(2),
        crit_calm=np.array([c.calm_rounds for c in criteria], dtype=i64),
        crit_min_rounds=np.array([c.min_rounds for c in criteria], dtype=i64),
        crit_deal_ptr=c_deal.ptr_array(),
        crit_deal=c_deal.ints(),
        crit_track_ptr=c_track.ptr_array(),
        crit_track=c_track.ints(0),
        crit_track_level=c_track.ints(1),
        crit_taken_ptr=c_taken.ptr_array(),
        crit_taken=c_taken.ints(),
        crit_exec_ptr=c_exec.ptr_array(),
        crit_exec=c_exec.ints(),
        stage_entry=stage_entry,
        stage_exit=stage_exit,
        stage_rule_ptr=np.array(stage_rule_ptr, dtype=i64),
        rule_then=np.array(rule_then, dtype=i64),
        rule_exec_ptr=r_exec.ptr_array(),
        rule_exec=r_exec.ints(),
        rule_provocations=np.array([t.provocations for t in triggers], dtype=i64),
        rule_violation=np.array([t.violation for t in triggers], dtype=bool),
        rule_trust_ptr=r_trust.ptr_array(),
        rule_trust_i=r_trust.ints(0),
        rule_trust_j=r_trust.ints(1),
        rule_trust_max=r_trust.floats(2),
        resume=resume,
        success_hold=scenario.roadmap.success.hold_rounds,
        success_crit=success_crit,
        track_level_ptr=track_csr.ptr_array(),
        track_level_crit=track_csr.ints(),
        miss=miss,
        false_alarm=false_alarm,
        prior_pos=prior_pos,
        prior_neg=prior_neg,
        forgetting=float(tp.forgetting),
        restraint_evidence=float(tp.restraint_evidence),
    )
    return CompiledScenario(
        scenario=scenario,
        parties=parties,
        actions=actions,
        slots=slots,
        commitments=commitments,
        com_party=np.array([pix[c.party] for c in scenario.commitments], dtype=i64),
        deals=deals,
        stages=stages,
        tracks=tracks,
        track_levels=track_levels,
        rules=tuple(rule_names),
        default_move=default_move,
        tables=tables,
    )
