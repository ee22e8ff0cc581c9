"""A summary's sufficient statistics, folded block by block: summaries in bounded memory.

A forecast's numbers are counts, histograms of rounds (medians and "reached
by round r" come from them exactly) and the moments of each party's payoff.
All of them merge, so a run of any length can be summarised chunk by chunk
without keeping its episodes (:func:`detente.simulate.stream.simulate_summary`).
Counts and histograms are exact whatever the blocks; means and intervals
are folded in blocks of :data:`BLOCK` episodes in row order, so a results
array and a stream of chunks of a multiple of that size give the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from detente.dtypes import B8, I64
from detente.simulate.results import Results
from detente.simulate.summary import (
    Attribution,
    CauseSummary,
    Horizon,
    Moments,
    PartySummary,
    StageSummary,
    Summary,
    Triggered,
    Triggers,
    counted_success,
    proportion,
)

BLOCK = 25_000  # episodes folded at a time: the runner's default chunk


def _median(histogram: I64) -> float | None:
    """The median of the values whose counts ``histogram`` holds (as ``np.median`` gives it)."""
    n = int(histogram.sum())
    if n == 0:
        return None
    cumulative = np.cumsum(histogram)
    low, high = np.searchsorted(cumulative, [(n - 1) // 2 + 1, n // 2 + 1])
    return (float(low) + float(high)) / 2


def _histogram(rounds: I64, length: int) -> I64:
    return np.bincount(rounds[rounds >= 0], minlength=length).astype(np.int64)


def _backs(r: Results) -> B8:
    """``[rules]`` the rules that send the process back (the others stall it)."""
    return np.array([kind == "back" for kind in r.rule_kinds or ()], dtype=bool)


@dataclass(frozen=True)
class Attributions:
    """Who triggered the rules, as counts that merge: firings met by each party (last: trust)
    and the episodes with at least one, per rule and per kind of rule (back, stall)."""

    triggers: I64  # [rules, P + 1] firings met
    episodes: I64  # [rules, P + 1] episodes with at least one
    kinds: I64  # [2, P + 1] episodes with at least one firing of a rule that sends back, stalls

    @staticmethod
    def of(r: Results) -> Attributions | None:
        if r.triggers is None or r.rule_kinds is None:
            return None
        t = r.triggers.astype(np.int64)
        back = _backs(r)
        return Attributions(
            triggers=t.sum(axis=0),
            episodes=np.count_nonzero(t > 0, axis=0).astype(np.int64),
            kinds=np.stack(
                [np.count_nonzero(t[:, rules].sum(axis=1) > 0, axis=0) for rules in (back, ~back)]
            ).astype(np.int64),
        )

    def merge(self, other: Attributions | None) -> Attributions | None:
        if other is None:
            return None
        return Attributions(
            self.triggers + other.triggers, self.episodes + other.episodes, self.kinds + other.kinds
        )

    def summary(self, r: Results, n: int, order: list[int]) -> Attribution:
        """Per rule of ``order`` (the rules that fired, most frequent first), then per kind."""

        def triggered(count: I64, episodes: I64) -> Triggered:
            by = {
                party: Triggers(float(count[p]) / n, int(episodes[p]) / n)
                for p, party in enumerate(r.parties)
            }
            trust = None if not count[-1] else Triggers(float(count[-1]) / n, int(episodes[-1]) / n)
            return Triggered(by, trust)

        back = _backs(r)
        return Attribution(
            rules={r.rules[q]: triggered(self.triggers[q], self.episodes[q]) for q in order},
            back=triggered(self.triggers[back].sum(axis=0), self.kinds[0]),
            stall=triggered(self.triggers[~back].sum(axis=0), self.kinds[1]),
        )


@dataclass(frozen=True, eq=False)
class Tally:
    """What :class:`Summary` needs of a set of episodes; ``merge`` adds two sets."""

    like: Results  # an empty slice: names, profile, seed and rounds of the run
    n: int
    first_reached: I64  # [S, R+1] episodes that first reached stage s after round r
    success: I64  # [R+1] episodes that first succeeded after round r
    held: int | None
    stalled: int
    final_stage: I64  # [S]
    final_stalled: int
    stage_rounds: I64 | None  # [S]
    firings: I64  # [rules]
    fired: I64  # [rules] episodes in which each rule fired
    discounted: tuple[Moments, ...]
    total: tuple[Moments, ...]
    attributions: Attributions | None  # None for results files written before attribution

    @staticmethod
    def of(r: Results, block: int = BLOCK) -> Tally:
        """The tally of ``r``, folded ``block`` episodes at a time."""
        tally = Tally._block(r.rows(slice(0, min(block, r.n))))
        for start in range(block, r.n, block):
            tally = tally.merge(Tally._block(r.rows(slice(start, start + block))))
        return tally

    @staticmethod
    def _block(r: Results) -> Tally:
        length = r.rounds + 1
        S = len(r.stages)
        return Tally(
            like=r.rows(slice(0, 0)),
            n=r.n,
            first_reached=np.stack(
                [_histogram(r.first_reached[:, s], length) for s in range(S)]
            ).reshape(S, length),
            success=_histogram(r.success_round, length),
            held=None if r.success_held is None else int(np.count_nonzero(r.success_held)),
            stalled=int(np.count_nonzero(r.stalls > 0)),
            final_stage=np.bincount(r.final_stage, minlength=S).astype(np.int64),
            final_stalled=int(np.count_nonzero(r.final_stalled)),
            stage_rounds=None if r.stage_rounds is None else r.stage_rounds.sum(axis=0),
            firings=r.breakdowns.sum(axis=0),
            fired=np.count_nonzero(r.breakdowns > 0, axis=0).astype(np.int64),
            discounted=tuple(Moments.of(r.discounted[:, p]) for p in range(len(r.parties))),
            total=tuple(Moments.of(r.total[:, p]) for p in range(len(r.parties))),
            attributions=Attributions.of(r),
        )

    def merge(self, other: Tally) -> Tally:
        """Both sets of episodes (of the same run) together."""
        return replace(
            self,
            n=self.n + other.n,
            first_reached=self.first_reached + other.first_reached,
            success=self.success + other.success,
            held=None if self.held is None or other.held is None else self.held + other.held,
            stalled=self.stalled + other.stalled,
            final_stage=self.final_stage + other.final_stage,
            final_stalled=self.final_stalled + other.final_stalled,
            stage_rounds=None
            if self.stage_rounds is None or other.stage_rounds is None
            else self.stage_rounds + other.stage_rounds,
            firings=self.firings + other.firings,
            fired=self.fired + other.fired,
            discounted=tuple(
                a.merge(b) for a, b in zip(self.discounted, other.discounted, strict=True)
            ),
            total=tuple(a.merge(b) for a, b in zip(self.total, other.total, strict=True)),
            attributions=None
            if self.attributions is None
            else self.attributions.merge(other.attributions),
        )

    def summary(self) -> Summary:
        """The forecast these episodes make."""
        r, n = self.like, self.n
        stages = tuple(
            StageSummary(
                stage,
                proportion(int(self.first_reached[s].sum()), n),
                _median(self.first_reached[s]),
                tuple(float(v) for v in np.cumsum(self.first_reached[s])[1:] / n),
            )
            for s, stage in enumerate(r.stages)
        )
        parties = tuple(
            PartySummary(party, self.discounted[p].estimate(), self.total[p].estimate())
            for p, party in enumerate(r.parties)
        )
        order = [int(q) for q in np.argsort(-self.firings, kind="stable") if self.firings[q] > 0]
        causes = tuple(
            CauseSummary(r.rules[q], float(self.firings[q]) / n, int(self.fired[q]) / n)
            for q in order
        )
        reached = proportion(int(self.success.sum()), n)
        held = None if self.held is None else proportion(self.held, n)
        played = None if self.stage_rounds is None else int(self.stage_rounds.sum())
        return Summary(
            scenario=r.scenario,
            episodes=n,
            rounds=r.rounds,
            seed=r.seed,
            profile=dict(r.profile),
            success=counted_success(r.success_counts, reached, held),
            median_success_round=_median(self.success),
            stall=proportion(self.stalled, n),
            stages=stages,
            parties=parties,
            causes=causes,
            reached=reached,
            held_to_end=held,
            success_counts=r.success_counts,
            hold_rounds=r.hold_rounds,
            horizon=Horizon(
                final_stage={
                    stage: proportion(int(self.final_stage[s]), n)
                    for s, stage in enumerate(r.stages)
                },
                stalled_at_end=proportion(self.final_stalled, n),
                rounds_share=None
                if self.stage_rounds is None or not played
                else {
                    stage: int(self.stage_rounds[s]) / played for s, stage in enumerate(r.stages)
                },
            ),
            attribution=None
            if self.attributions is None
            else self.attributions.summary(r, n, order),
        )
