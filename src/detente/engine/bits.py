"""Sets of slots or commitments as words of 64 bits, for the kernel.

Bit ``i % 64`` of word ``i // 64`` stands for index ``i``; a scenario with
more than 64 slots (or commitments) simply has more words. Word operations
replace loops over boolean arrays: a commitment's condition holds when its
mask has no bit outside the executed set, and iterating the set bits visits
indices in increasing order, so sums keep the order of the boolean loops
they replace (and their exact floating-point results).

Code compiled with :func:`~detente.engine.jit.inner` counts no references,
so a row view such as ``taken[b]`` costs nothing there.
"""

from __future__ import annotations

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros
from numpy.typing import NDArray

from detente.engine.jit import inlined, inner

ZERO = np.uint64(0)
ONE = np.uint64(1)


@inner
def bit(i: int) -> np.uint64:
    """The word with only index ``i``'s bit set (within its word)."""
    return ONE << np.uint64(i & 63)


@inner
def lowest(x: np.uint64) -> int:
    """Position of the lowest set bit of a non-zero word."""
    return int(trailing_zeros(x))  # type: ignore[call-arg]  # an intrinsic: numba fills the context


@inlined
def nth_bit(x: np.uint64, r: int) -> int:
    """Position of the ``r``-th lowest set bit of ``x`` (from 0; ``x`` has more than ``r``)."""
    for _ in range(r):
        x &= x - ONE
    return lowest(x)


@inlined
def count_bits(x: np.uint64) -> int:
    """The number of indices in word ``x`` (its set bits)."""
    count = 0
    while x:
        count += 1
        x &= x - ONE
    return count


@inner
def has(words: NDArray[np.uint64], i: int) -> bool:
    """Whether index ``i``'s bit is set."""
    return bool((words[i >> 6] >> np.uint64(i & 63)) & ONE != 0)


@inner
def inside(masks: NDArray[np.uint64], i: int, words: NDArray[np.uint64]) -> bool:
    """Whether every bit of ``masks[i]`` is set in ``words``."""
    for w in range(words.shape[0]):
        if masks[i, w] & ~words[w]:
            return False
    return True


@inner
def meets(masks: NDArray[np.uint64], i: int, words: NDArray[np.uint64]) -> bool:
    """Whether ``masks[i]`` and ``words`` share a bit."""
    for w in range(words.shape[0]):
        if masks[i, w] & words[w]:
            return True
    return False


@inlined
def pack(row: NDArray[np.bool_], words: NDArray[np.uint64]) -> None:
    """``words`` := the set of true entries of ``row``.

    Each word is built in a register and without branches: the kernel's
    boolean inputs look random, and a branch per entry mispredicts often.
    """
    n = row.shape[0]
    for w in range(words.shape[0]):
        x = np.uint64(0)
        start = w * 64
        for i in range(min(64, n - start)):
            x |= np.uint64(row[start + i]) << np.uint64(i)
        words[w] = x


@inlined
def unpack(words: NDArray[np.uint64], row: NDArray[np.bool_]) -> None:
    """``row`` := whether each index is in ``words`` (the inverse of :func:`pack`).

    Each word is read once into a register: stores to a boolean row could
    alias the words as far as LLVM knows, and would otherwise reload them.
    """
    n = row.shape[0]
    for w in range(words.shape[0]):
        x = words[w]
        start = w * 64
        for i in range(min(64, n - start)):
            row[start + i] = (x >> np.uint64(i)) & ONE != ZERO
