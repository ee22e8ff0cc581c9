"""What a backtest needs from the record and from a forecast, as small protocols.

The record's loader and mapping (``detente.record``: ``MappedRecord``,
``RecordedRound``) and the replay that starts forecasts from a recorded
state live in other packages; a backtest reads only the few fields named
here, so it runs on their types and on the tiny hand-made records of the
tests alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from detente.scenario.moves import NamedMove

if TYPE_CHECKING:
    from detente.backtest.paths import Paths


class RecordedRoundLike(Protocol):
    """One round of the record: its calendar period and each party's move as recorded."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def moves(self) -> Mapping[str, NamedMove]: ...


class MappedRecordLike(Protocol):
    """The record mapped to the scenario's moves, round by round (contiguous periods)."""

    @property
    def rounds(self) -> Sequence[RecordedRoundLike]: ...


class Forecaster(Protocol):
    """Forecasts from a cut: ``cut`` rounds of the record are known, ``horizon`` are simulated.

    Returns the ``episodes`` simulated paths of ``horizon`` rounds (or more),
    row 0 being the state at the cut (after round ``cut - 1`` of the record),
    as :class:`~detente.backtest.paths.Paths`. Deterministic for a seed.
    """

    def __call__(self, cut: int, horizon: int, episodes: int, seed: int) -> Paths: ...
