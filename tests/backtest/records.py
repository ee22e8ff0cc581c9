"""Tiny hand-made records and forecasts for the backtest tests (no record loader, no engine)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from detente.backtest import Paths
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.moves import NamedMove

KOREA = compile_scenario(load_scenario("korea"))


@dataclass(frozen=True)
class Round:
    start: date
    end: date
    moves: Mapping[str, NamedMove]


@dataclass(frozen=True)
class Record:
    rounds: tuple[Round, ...]


def monthly(moves: list[dict[str, NamedMove]], year: int = 2019) -> Record:
    """One round a month from January of ``year``, with these moves."""
    rounds = []
    for i, m in enumerate(moves):
        month = i % 12 + 1
        last = 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        y = year + i // 12
        rounds.append(Round(date(y, month, 1), date(y, month, last), m))
    return Record(tuple(rounds))


def paths(
    rounds: int, episodes: int, acts: dict[tuple[int, int], list[str]], c: CompiledScenario = KOREA
) -> Paths:
    """Forecast paths in stage 0, unstalled, with ``acts[(episode, row)]`` = slot labels."""
    a = np.zeros((episodes, rounds + 1, c.n_slots), dtype=bool)
    labels = [c.slot_label(k) for k in range(c.n_slots)]
    for (n, t), names in acts.items():
        for name in names:
            a[n, t, labels.index(name)] = True
    return Paths(
        np.zeros((episodes, rounds + 1), dtype=np.int64),
        np.zeros((episodes, rounds + 1), dtype=bool),
        a,
    )
