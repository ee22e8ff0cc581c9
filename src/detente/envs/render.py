"""Pictures of one episode's state: a text table, and a trust heatmap drawn with numpy.

No plotting library: the heatmap is a few array operations, so rendering
costs nothing to import and works on a headless machine.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine import State

CELL = 24  # pixels per trust cell
BAND = 12  # height of the roadmap band above the heatmap
GAP = 4

# Trust colour scale: red (0) through amber (0.5) to green (1).
_STOPS = np.array([[200, 40, 40], [230, 180, 40], [40, 170, 70]], dtype=np.float64)
_STALLED = np.array([150, 150, 150], dtype=np.uint8)
_PENDING = np.array([225, 225, 225], dtype=np.uint8)
_REACHED = np.array([60, 110, 200], dtype=np.uint8)


def ansi(state: State) -> str:
    """Round, stage, agreements in force, and the trust matrix (row i: i's trust in j)."""
    c = state.compiled
    stage = c.stages[int(state.stage[0])] + (" (stalled)" if state.stalled[0] else "")
    deals = [d for d, on in zip(c.deals, state.in_force[0], strict=True) if on]
    width = max(len(p) for p in c.parties) + 1
    lines = [
        f"round {state.round}/{c.scenario.rounds}  stage {stage}",
        f"in force: {', '.join(deals) or 'none'}",
        "trust".ljust(width) + "".join(p.rjust(max(width, 6)) for p in c.parties),
    ]
    for i, party in enumerate(c.parties):
        row = "".join(
            f"{state.trust[0, i, j]:.2f}".rjust(max(width, 6)) for j in range(len(c.parties))
        )
        lines.append(party.ljust(width) + row)
    return "\n".join(lines) + "\n"


def _colour(trust: NDArray[np.float64]) -> NDArray[np.uint8]:
    """``[..., 3]`` colours for trust values in [0, 1]."""
    x = np.clip(trust, 0.0, 1.0)[..., None] * 2.0
    low = np.minimum(x, 1.0)
    high = np.maximum(x - 1.0, 0.0)
    rgb = _STOPS[0] + low * (_STOPS[1] - _STOPS[0]) + high * (_STOPS[2] - _STOPS[1])
    out: NDArray[np.uint8] = rgb.round().astype(np.uint8)
    return out


def rgb(state: State) -> NDArray[np.uint8]:
    """An HxWx3 image: the roadmap's stages as a band (reached in blue, grey when
    stalled) above the trust matrix, one ``CELL``-pixel square per pair (row i: i's trust in j).
    """
    c = state.compiled
    P, S = len(c.parties), len(c.stages)
    width = P * CELL
    band = np.empty((BAND, width, 3), dtype=np.uint8)
    reached = (np.arange(width) * S // width) <= state.stage[0]
    band[:] = np.where(reached[:, None], _STALLED if state.stalled[0] else _REACHED, _PENDING)
    gap = np.full((GAP, width, 3), 255, dtype=np.uint8)
    cells = np.repeat(np.repeat(_colour(state.trust[0]), CELL, axis=0), CELL, axis=1)
    return np.concatenate([band, gap, cells], axis=0)
