"""Counter-based random numbers: every draw is a hash of where it is used.

A draw is a pure function of (seed, episode id, round, stream, a, b). That is
what makes the engine batch-invariant (episode 7 draws the same numbers in a
batch of one or of 100,000), lets strategy profiles share random streams for
common-random-number comparisons, and needs no generator state to carry.
The mixer is SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

STREAM_MISS = 1
STREAM_FALSE_ALARM = 2
STREAM_TREMBLE = 3
STREAM_PARAMETER = 4  # a draw's uncertain numbers (round 0, a = a hash of the path)
STREAM_STRATEGY = 16  # strategies use STREAM_STRATEGY + party index

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _absorb(h: np.uint64, x: int) -> np.uint64:
    return _mix(h ^ (np.uint64(x) + _GOLDEN))


@njit(cache=True, inline="always")
def episode_key(seed: np.uint64, episode: int, rnd: int) -> np.uint64:
    """The key of one episode's round; hashed once, then every draw in it is cheap."""
    h = _mix(seed + _GOLDEN)
    h = _absorb(h, episode)
    return _absorb(h, rnd)


@njit(cache=True, inline="always")
def ticks_at(key: np.uint64, stream: int, a: int, b: int) -> np.int64:
    """The draw at position (stream, a, b) of the key's sequence as an integer below 2**53.

    ``stream`` < 2**16 and ``a``, ``b`` < 2**24 so that positions never collide.
    Comparing it with ``ceil(p * 2**53)`` is comparing the uniform with the
    probability ``p``, without converting to floating point.
    """
    code = (np.uint64(stream) << np.uint64(48)) | (np.uint64(a) << np.uint64(24)) | np.uint64(b)
    return np.int64(_mix(key + (code + np.uint64(1)) * _GOLDEN) >> np.uint64(11))


@njit(cache=True, inline="always")
def draw_at(key: np.uint64, stream: int, a: int, b: int) -> float:
    """A uniform in [0, 1): SplitMix64 at position (stream, a, b) of the key's sequence."""
    # Below 2**53 the value converts exactly from a signed integer, which
    # is one instruction where an unsigned conversion is a branchy sequence.
    return float(ticks_at(key, stream, a, b)) * _TO_UNIT


@njit(cache=True)
def draw(seed: np.uint64, episode: int, rnd: int, stream: int, a: int, b: int) -> float:
    """A uniform number in [0, 1) determined by its coordinates alone."""
    return draw_at(episode_key(seed, episode, rnd), stream, a, b)


@njit(cache=True)
def _draw_many(
    seed: np.uint64,
    episodes: NDArray[np.int64],
    rnd: int,
    stream: int,
    a: NDArray[np.int64],
    b: int,
) -> NDArray[np.float64]:
    out = np.empty((episodes.shape[0], a.shape[0]))
    for i in range(episodes.shape[0]):
        key = episode_key(seed, episodes[i], rnd)
        for j in range(a.shape[0]):
            out[i, j] = draw_at(key, stream, a[j], b)
    return out


@dataclass(frozen=True)
class CounterRNG:
    """The engine's random source: a seed, and draws addressed by coordinates."""

    seed: int

    @property
    def key(self) -> np.uint64:
        return np.uint64(self.seed % (1 << 64))

    def uniform(
        self, episodes: NDArray[np.int64], rnd: int, stream: int, columns: int, tag: int = 0
    ) -> NDArray[np.float64]:
        """Uniforms of shape [len(episodes), columns] for one (round, stream, tag)."""
        if not (0 <= stream < 1 << 16 and 0 <= columns <= 1 << 24 and 0 <= tag < 1 << 24):
            raise ValueError(
                f"draw coordinates out of range: stream {stream}, columns {columns}, tag {tag}"
            )
        cols = np.arange(columns, dtype=np.int64)
        return _draw_many(
            self.key,
            np.ascontiguousarray(episodes, dtype=np.int64),
            rnd,
            stream,
            cols,
            tag,
        )

    def at(
        self, episodes: NDArray[np.int64], rnd: int, stream: int, a: NDArray[np.int64], b: int = 0
    ) -> NDArray[np.float64]:
        """Uniforms of shape [len(episodes), len(a)] at positions (stream, a[j], b)."""
        a = np.ascontiguousarray(a, dtype=np.int64)
        inside = a.size == 0 or (int(a.min()) >= 0 and int(a.max()) < 1 << 24)
        if not (0 <= stream < 1 << 16 and 0 <= b < 1 << 24 and inside):
            raise ValueError(f"draw coordinates out of range: stream {stream}, a {a}, b {b}")
        episodes = np.ascontiguousarray(episodes, dtype=np.int64)
        return _draw_many(self.key, episodes, rnd, stream, a, b)
