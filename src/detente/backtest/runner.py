"""The backtest: each question forecast from each cut, for each horizon, scored against the record.

A *cut* is a date of the record. The round that contains it is the first
round forecast: the rounds before it are known (replayed), and the window
of a horizon H is that round and the H - 1 after it. A cut inside a round
thus hides the whole round from the forecast, never shows it a later event.

For each (question, horizon, cut) the *case* holds the forecast (the share
of simulated episodes in which the event happened in the window), the
outcome (whether the record shows it in the window) and two baselines
taken from the record before the cut:

* base rate: the share of the windows of H rounds that end before the cut
  (every start round from the first of the record on) in which it happened;
* persistence: 1 if it happened in the last window of H rounds before the
  cut, else 0 (nothing changes).

Both need at least H rounds before the cut; a case without them has None
and is left out of the skill against them (counted apart).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np

from detente.backtest.paths import Paths, ReplayedStages, record_paths
from detente.backtest.questions import Question
from detente.backtest.scores import CLIP, Bin, brier, log_score, reliability, skill
from detente.backtest.seams import Forecaster, MappedRecordLike
from detente.scenario.compiled import CompiledScenario

ALL = "all questions"


class BacktestError(ValueError):
    """Cuts, horizons or questions a backtest of this record cannot score (a user error)."""


@dataclass(frozen=True)
class Cut:
    """A cut date, the round that contains it (the first forecast) and that round's period."""

    date: dt.date
    round: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Case:
    """One question, horizon and cut: forecast, outcome and the baselines (None without history)."""

    question: str
    horizon: int
    cut: date
    forecast: float
    happened: bool  # the outcome: the record shows the event in the window
    base_rate: float | None
    persistence: float | None


@dataclass(frozen=True)
class Baseline:
    """A baseline's Brier and log score, and the forecast's skill against each.

    Both skills are None when the baseline was certain and right in every
    case (Brier score 0): nothing can beat it, and its log score is only the
    floor the clip sets.
    """

    brier: float
    log: float
    brier_skill: float | None
    log_skill: float | None


@dataclass(frozen=True)
class Scores:
    """The scores of a set of cases (one question and horizon, or all questions of a horizon).

    ``n`` cases; ``n_baselines`` of them have both baselines (at least H
    rounds of record before the cut), and the baselines' scores and the
    skills against them are over those cases only (None when there are none).
    """

    question: str
    horizon: int
    n: int
    forecast: float  # mean forecast probability
    observed: float  # share of cases in which the event happened
    brier: float
    log: float
    n_baselines: int
    base_rate: Baseline | None
    persistence: Baseline | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scored(p: Sequence[float], o: Sequence[bool], clip: float) -> tuple[float, float]:
    return brier(p, o), log_score(p, o, clip)


def score_cases(question: str, horizon: int, cases: Sequence[Case], clip: float = CLIP) -> Scores:
    """Brier and log scores of the cases, of both baselines, and the skills against them."""
    p, o = [c.forecast for c in cases], [c.happened for c in cases]
    bs, ls = _scored(p, o, clip)
    based = [c for c in cases if c.base_rate is not None and c.persistence is not None]
    baselines: list[Baseline | None] = [None, None]
    if based:
        ob = [c.happened for c in based]
        own_b, own_l = _scored([c.forecast for c in based], ob, clip)
        for i, forecasts in enumerate(
            ([c.base_rate or 0.0 for c in based], [c.persistence or 0.0 for c in based])
        ):
            b, lg = _scored(forecasts, ob, clip)
            # certain and right every time: its log score is the clip's floor, and no
            # forecast has skill against it in either score
            baselines[i] = Baseline(b, lg, skill(own_b, b), None if b == 0 else skill(own_l, lg))
    return Scores(
        question,
        horizon,
        len(cases),
        float(np.mean(p)),
        float(np.mean(o)),
        bs,
        ls,
        len(based),
        baselines[0],
        baselines[1],
    )


@dataclass(frozen=True)
class Backtest:
    """Every case of a backtest, and how it was run."""

    scenario: str
    episodes: int
    seed: int
    clip: float
    horizons: tuple[int, ...]
    questions: tuple[Question, ...]
    cuts: tuple[Cut, ...]
    cases: tuple[Case, ...]
    numbers: str | None = None  # where uncertain numbers came from (a posterior); None: fixed

    def scores(self) -> list[Scores]:
        """Per horizon: each question over the cuts, then all questions together."""
        out = []
        for h in self.horizons:
            for q in self.questions:
                cases = [c for c in self.cases if c.horizon == h and c.question == q.id]
                out.append(score_cases(q.id, h, cases, self.clip))
            cases = [c for c in self.cases if c.horizon == h]
            out.append(score_cases(ALL, h, cases, self.clip))
        return out

    def reliability(self, horizon: int | None = None) -> list[Bin]:
        """The reliability table of every case (of one horizon, if given)."""
        cases = [c for c in self.cases if horizon is None or c.horizon == horizon]
        return reliability([c.forecast for c in cases], [c.happened for c in cases])

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: the run, the cuts, the questions, every case, scores, tables."""
        return {
            "scenario": self.scenario,
            "episodes": self.episodes,
            "seed": self.seed,
            "numbers": self.numbers,
            "clip": self.clip,
            "horizons": list(self.horizons),
            "cuts": [
                {
                    "date": c.date.isoformat(),
                    "round": c.round,
                    "start": c.start.isoformat(),
                    "end": c.end.isoformat(),
                }
                for c in self.cuts
            ],
            "questions": [
                {"id": q.id, "title": q.title, "kind": q.kind, "refs": list(q.refs)}
                | ({"stage": q.change} if q.kind == "stage" else {})
                for q in self.questions
            ],
            "cases": [{**c.__dict__, "cut": c.cut.isoformat()} for c in self.cases],
            "scores": [s.to_dict() for s in self.scores()],
            "reliability": {
                "all": [b.to_dict() for b in self.reliability()],
                **{str(h): [b.to_dict() for b in self.reliability(h)] for h in self.horizons},
            },
        }


def cut_round(record: MappedRecordLike, when: date, option: str = "--cut") -> int:
    """The index of the round of the record that contains ``when``; BacktestError outside it.

    The one rule of every forecast from a date (``backtest --cut``, ``simulate
    --until``): the rounds before this one are known, this one is the first forecast.
    """
    rounds = record.rounds
    if not rounds or when < rounds[0].start or when > rounds[-1].end:
        span = f"{rounds[0].start} to {rounds[-1].end}" if rounds else "no rounds"
        raise BacktestError(f"{option} {when}: outside the record ({span})")
    return next(i for i, r in enumerate(rounds) if r.start <= when <= r.end)


def _cuts(record: MappedRecordLike, dates: Sequence[date], longest: int) -> tuple[Cut, ...]:
    if not dates:
        raise BacktestError("a backtest needs at least one --cut DATE")
    cuts: list[Cut] = []
    for when in dates:
        c = cut_round(record, when)
        rnd = record.rounds[c]
        same = next((k for k in cuts if k.round == c), None)
        if same is not None:
            raise BacktestError(
                f"--cut {when} and --cut {same.date} fall in the same round "
                f"({rnd.start} to {rnd.end}): give one of them"
            )
        if c + longest > len(record.rounds):
            raise BacktestError(
                f"--cut {when}: a window of {longest} rounds from {rnd.start} runs past the "
                f"end of the record ({record.rounds[-1].end}); give an earlier cut or a "
                f"shorter --horizon"
            )
        cuts.append(Cut(when, c, rnd.start, rnd.end))
    return tuple(cuts)


def _baselines(
    question: Question, record: Paths, cut: int, horizon: int
) -> tuple[float | None, float | None]:
    """Base rate and persistence from the record's windows of ``horizon`` rounds before ``cut``."""
    if cut < horizon:
        return None, None
    # window of start round s covers record rows s + 1 .. s + horizon (row 0: before round 0)
    past = [bool(question.happened(record, s + 1, horizon)[0]) for s in range(cut - horizon + 1)]
    return float(np.mean(past)), float(past[-1])


def _check_paths(paths: Paths, compiled: CompiledScenario, episodes: int, longest: int) -> None:
    if paths.episodes != episodes or paths.rounds < longest:
        raise ValueError(
            f"the forecaster returned {paths.episodes} episodes of {paths.rounds} rounds, "
            f"expected {episodes} of at least {longest}"
        )
    if paths.acts.shape[2] != compiled.n_slots:
        raise ValueError(
            f"the forecaster's acts have {paths.acts.shape[2]} slots, "
            f"the scenario {compiled.n_slots}"
        )


def backtest(
    compiled: CompiledScenario,
    record: MappedRecordLike,
    cuts: Sequence[date],
    horizons: Sequence[int],
    questions: Sequence[Question],
    episodes: int,
    seed: int,
    forecaster: Forecaster,
    *,
    replayed: ReplayedStages | None = None,
    clip: float = CLIP,
) -> Backtest:
    """Forecast every question from every cut for every horizon, and keep each case.

    The forecaster is called once per cut, for the longest horizon; a
    shorter horizon is scored on the first rounds of the same episodes.
    ``replayed`` (the record replayed, stage and stall per round) answers
    stage questions on the record's side; without it they are refused.
    """
    hs = tuple(horizons)
    if not hs or min(hs) < 1 or len(set(hs)) != len(hs):
        raise BacktestError(f"--horizon: distinct whole numbers of rounds, at least 1; got {hs}")
    if not questions:
        raise BacktestError("a backtest needs at least one question")
    if replayed is None and any(q.needs_stages for q in questions):
        staged = ", ".join(q.id for q in questions if q.needs_stages)
        raise BacktestError(
            f"questions {staged} ask about the roadmap's stage, which the record shows only "
            "as replayed: pass the replayed record's stages"
        )
    if episodes < 1:
        raise BacktestError(f"--episodes: at least 1, got {episodes}")
    longest = max(hs)
    found = _cuts(record, cuts, longest)
    seen = record_paths(compiled, record, replayed)
    cases = []
    for cut in found:
        simulated = forecaster(cut.round, longest, episodes, seed)
        _check_paths(simulated, compiled, episodes, longest)
        for h in hs:
            for q in questions:
                base_rate, persistence = _baselines(q, seen, cut.round, h)
                cases.append(
                    Case(
                        question=q.id,
                        horizon=h,
                        cut=cut.date,
                        forecast=float(q.happened(simulated, 1, h).mean()),
                        happened=bool(q.happened(seen, cut.round + 1, h)[0]),
                        base_rate=base_rate,
                        persistence=persistence,
                    )
                )
    return Backtest(
        compiled.scenario.id, episodes, seed, clip, hs, tuple(questions), found, tuple(cases)
    )
