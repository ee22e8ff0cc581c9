"""A run played as K draws of a scenario's uncertain numbers: what the spread is computed from.

A scenario with distributions is played as a nested design: draw ``d`` of
its uncertain numbers is played for ``episodes_per_draw`` episodes (the last
draw may have fewer), each draw tallied on its own. Keeping the draws apart
is what lets a forecast tell the Monte Carlo error of its episodes from the
spread that the uncertain numbers cause (:mod:`detente.simulate.uncertainty`).
The runner that plays the draws builds this record; nothing here plays.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.dtypes import F64
from detente.simulate.summary import Summary
from detente.simulate.tally import Tally


@dataclass(frozen=True, eq=False)
class DrawnRun:
    """K draws of P uncertain numbers, each played for its own episodes.

    ``paths[j]`` is the ``--set`` path of number ``j`` and ``described[j]`` its
    distribution in words (``"beta(2, 30)"``); ``values[d, j]`` its value in
    draw ``d``; ``tallies[d]`` the episodes of draw ``d``; ``pooled`` the
    summary of every episode (the tallies merged); ``first_draw`` the id of
    ``values[0]`` (0 unless the run began past episode 0).
    """

    paths: tuple[str, ...]
    described: tuple[str, ...]
    values: F64  # [K, P]
    tallies: tuple[Tally, ...]  # [K]
    episodes_per_draw: int  # M; the last draw may have fewer
    pooled: Summary
    first_draw: int = 0
