"""A scenario compiled once into index arrays for the batch engine.

The engine never looks at names: it works on *slots* (one party taking one
action, ``k``), commitments (``m``), deals (``d``), stages (``s``), tracks and
criteria, all as integer indices into flat arrays. Variable-length lists are
stored in CSR form: ``ptr[i]:ptr[i+1]`` slices ``idx`` for item ``i``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from detente.scenario.conditions import ConditionProgram
from detente.scenario.schema import Scenario

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B8 = NDArray[np.bool_]
U64 = NDArray[np.uint64]

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
    cond_ptr: I64  # condition program (see scenario.conditions)
    cond_kind: I64
    cond_a: I64
    cond_b: I64
    cond_x: F64
    stage_entry: I64  # condition index per stage
    stage_exit: I64
    stage_rule_ptr: I64  # rules of stage s: stage_rule_ptr[s]:stage_rule_ptr[s+1]
    rule_cond: I64  # trigger condition index per rule
    rule_then: I64
    resume: I64  # condition indices, any of which resumes a stalled process
    success_hold: int
    success_cond: int
    track_level_ptr: I64
    track_level_cond: I64
    # Probabilities the kernel compares draws with, in ticks (see _ticks):
    miss_ticks: I64  # [P] the miss rate of each observer
    miss_rate: I64  # [P] each observer's row of miss_cdf
    miss_cdf: I64  # [R, K + 1, K + 1] per distinct miss rate r, row n: CDF of Binomial(n, r)
    false_alarm_cdf: I64  # [P, K + 1] CDF of Binomial(K, false_alarm[p])
    tremble_ticks: int  # the trembling hand's rate
    prior_pos: F64  # [P, P]
    prior_neg: F64  # [P, P]
    forgetting: float
    restraint_evidence: float
    # Bitsets for the kernel: bit i of word i // 64 stands for slot (or commitment) i.
    party_slot_bits: U64  # [P, WK] each party's own slots
    stage_slot_bits: U64  # [S, WK] slots available in each stage
    repeatable_bits: U64  # [WK]
    provocation_bits: U64  # [WK]
    com_cond_bits: U64  # [M, WK] slots a commitment's condition needs
    com_deal_bits: U64  # [M, WM] commitments of its deal (none when outside a deal)
    deal_bits: U64  # [D, WM] commitments of each deal
    deal_breaker_bits: U64  # [D, WK] slots whose execution violates the deal


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
    """Builds one CSR list (``ptr`` plus flat items) list by list."""

    def __init__(self) -> None:
        self.ptr = [0]
        self.items: list[int] = []

    def add(self, items: list[int]) -> None:
        self.items += items
        self.ptr.append(len(self.items))

    def ptr_array(self) -> I64:
        return np.asarray(self.ptr, dtype=np.int64)

    def ints(self) -> I64:
        return np.asarray(self.items, dtype=np.int64)


def _bits(rows: list[list[int]], n: int) -> U64:
    """Row i: the set ``rows[i]`` of indices below ``n``, as ceil(n / 64) words."""
    out = np.zeros((len(rows), max(1, -(-n // 64))), dtype=np.uint64)
    for i, row in enumerate(rows):
        for j in row:
            out[i, j // 64] |= np.uint64(1) << np.uint64(j % 64)
    return out


def _ticks(p: F64) -> I64:
    """Probabilities as ticks of 2**-53, the kernel's draws (``engine.rng.ticks_at``).

    A draw of ``t`` ticks is the uniform ``t * 2**-53``, below ``p`` exactly
    when ``t < ceil(p * 2**53)`` (scaling by a power of two is exact), so
    comparing integers gives the floating-point comparison's results.
    """
    return np.ceil(p * 2.0**53).astype(np.int64)


def _binomial_cdf(n: int, p: F64, width: int) -> F64:
    """Row i: the CDF of Binomial(n, p[i]) at 0..n (forced to 1 from n on), ``width`` entries."""
    k = np.arange(n + 1)
    log_comb = np.array(
        [math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) for j in k]
    )
    out = np.ones((len(p), width))
    for i, q in enumerate(p):
        if q <= 0.0 or q >= 1.0:
            out[i, : n + 1] = 1.0 if q <= 0.0 else (k >= n).astype(float)
            continue
        pmf = np.exp(log_comb + k * math.log(q) + (n - k) * math.log1p(-q))
        out[i, : n + 1] = np.cumsum(pmf)
    out[:, n] = 1.0
    return out


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
        deal_csr.add(members)
    cond_csr = _CSR()
    for com in scenario.commitments:
        cond_csr.add([slot(ref) for ref in com.conditions])
    com_slot = np.array([kix[(c.party, c.action)] for c in scenario.commitments], dtype=np.int64)

    breaks_csr = _CSR()
    for p, a in slots:
        breakers = [
            kix[(parties[p], b.id)]
            for b in scenario.actions
            if actions[a] in b.breaks and (parties[p], b.id) in kix
        ]
        breaks_csr.add(breakers)

    tracks = tuple(t.id for t in scenario.tracks)
    track_levels = tuple(tuple(level.id for level in t.levels) for t in scenario.tracks)
    deal_ix = {d: i for i, d in enumerate(deals)}

    def track_level(track: str, level: str) -> tuple[int, int]:
        t = tracks.index(track)
        return t, track_levels[t].index(level) + 1

    program = ConditionProgram(pix.__getitem__, slot, deal_ix.__getitem__, track_level)
    track_csr = _CSR()
    for t in scenario.tracks:
        track_csr.add([program.criteria(level.criteria) for level in t.levels])
    roadmap = scenario.roadmap
    stage_entry = np.array([program.criteria(s.entry) for s in roadmap.stages], dtype=np.int64)
    stage_exit = np.array([program.criteria(s.exit) for s in roadmap.stages], dtype=np.int64)
    resume = np.array([program.criteria(c) for c in roadmap.resume], dtype=np.int64)
    success_cond = program.criteria(roadmap.success.criteria)
    rule_names: list[str] = []
    rule_cond: list[int] = []
    rule_then: list[int] = []
    stage_rule_ptr = [0]
    for stage in roadmap.stages:
        for rule in stage.breakdown:
            rule_names.append(f"{stage.id}.{rule.id}")
            rule_cond.append(program.trigger(rule.when))
            rule_then.append(THEN_BACK if rule.then == "back" else THEN_STALL)
        stage_rule_ptr.append(len(rule_names))
    cond = program.arrays()

    noise = scenario.noise
    miss = np.full(P, noise.miss)
    false_alarm = np.full(P, noise.false_alarm)
    for pid, obs in noise.observers.items():
        if obs.miss is not None:
            miss[pix[pid]] = obs.miss
        if obs.false_alarm is not None:
            false_alarm[pix[pid]] = obs.false_alarm
    # One (K + 1)^2 table of miss CDFs per distinct rate, not per observer (they mostly share one)
    rates, miss_rate = np.unique(miss, return_inverse=True)
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
        party_csr.add([k for k, (q, _) in enumerate(slots) if q == p])

    deal_members = [deal_csr.ints()[a:b].tolist() for a, b in itertools.pairwise(deal_csr.ptr)]
    com_conds = [cond_csr.ints()[a:b].tolist() for a, b in itertools.pairwise(cond_csr.ptr)]
    slot_breakers = [breaks_csr.ints()[a:b].tolist() for a, b in itertools.pairwise(breaks_csr.ptr)]
    M = len(commitments)
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
        cond_ptr=cond.ptr,
        cond_kind=cond.kind,
        cond_a=cond.a,
        cond_b=cond.b,
        cond_x=cond.x,
        stage_entry=stage_entry,
        stage_exit=stage_exit,
        stage_rule_ptr=np.array(stage_rule_ptr, dtype=i64),
        rule_cond=np.array(rule_cond, dtype=i64),
        rule_then=np.array(rule_then, dtype=i64),
        resume=resume,
        success_hold=roadmap.success.hold_rounds,
        success_cond=success_cond,
        track_level_ptr=track_csr.ptr_array(),
        track_level_cond=track_csr.ints(),
        miss_ticks=_ticks(miss),
        miss_rate=miss_rate,
        miss_cdf=_ticks(np.stack([_binomial_cdf(n, rates, K + 1) for n in range(K + 1)], axis=1)),
        false_alarm_cdf=_ticks(_binomial_cdf(K, false_alarm, K + 1)),
        tremble_ticks=int(_ticks(np.asarray(noise.tremble))),
        prior_pos=prior_pos,
        prior_neg=prior_neg,
        forgetting=float(tp.forgetting),
        restraint_evidence=float(tp.restraint_evidence),
        party_slot_bits=_bits(
            [[k for k, (q, _) in enumerate(slots) if q == p] for p in range(P)], K
        ),
        stage_slot_bits=_bits([np.flatnonzero(row).tolist() for row in available], K),
        repeatable_bits=_bits([[k for k, act in enumerate(slot_action) if act.repeatable]], K)[0],
        provocation_bits=_bits(
            [[k for k, act in enumerate(slot_action) if act.category == "provocation"]], K
        )[0],
        com_cond_bits=_bits(com_conds, K),
        com_deal_bits=_bits([deal_members[d] if d >= 0 else [] for d in com_deal], M),
        deal_bits=_bits(deal_members, M),
        deal_breaker_bits=_bits(
            [
                [k2 for m in members for k2 in slot_breakers[com_slot[m]]]
                for members in deal_members
            ],
            K,
        ),
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
