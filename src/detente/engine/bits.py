"""Sets of slots or commitments as words of 64 bits, for the kernel.

Bit ``j`` of word ``w`` stands for index ``w * 64 + j``; a scenario with
more than 64 slots (or commitments) simply has more words. Word operations
replace loops over boolean arrays: a commitment's condition holds when its
mask has no bit outside the executed set, and iterating the set bits visits
indices in increasing order, so sums keep the order of the boolean loops
they replace (and their exact floating-point results).

Code compiled with :func:`~detente.engine.jit.inner` counts no references,
so a row view such as ``taken[i]`` costs nothing there.
"""

from __future__ import annotations

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros
from numpy.typing import NDArray

from detente.engine.jit import inlined, inner

ZERO = np.uint64(0)
ONE = np.uint64(1)


@inner
def bit(index: int) -> np.uint64:
    """The word with only ``index``'s bit set (within its word).

    Parameters
    ----------
    index : int
        A slot or commitment; its word is ``index >> 6``, not used here.
    """
    return ONE << np.uint64(index & 63)


@inner
def lowest(x: np.uint64) -> int:
    """Position of the lowest set bit of a non-zero word.

    Parameters
    ----------
    x : uint64
        A word with at least one bit set (the result is undefined for 0).
    """
    return int(trailing_zeros(x))  # type: ignore[call-arg]  # an intrinsic: numba fills the context


@inlined
def nth_bit(x: np.uint64, rank: int) -> int:
    """Position of the ``rank``-th lowest set bit of ``x``.

    Parameters
    ----------
    x : uint64
        A word with more than ``rank`` bits set.
    rank : int
        Which set bit, from 0 (the lowest).
    """
    for _ in range(rank):
        x &= x - ONE
    return lowest(x)


@inlined
def count_bits(x: np.uint64) -> int:
    """The number of indices in word ``x`` (its set bits).

    Parameters
    ----------
    x : uint64
        Any word.
    """
    count = 0
    while x:
        count += 1
        x &= x - ONE
    return count


@inner
def has(words: NDArray[np.uint64], index: int) -> bool:
    """Whether ``index`` is in the set ``words``.

    Parameters
    ----------
    words : uint64[W]
        Read. A set of slots or commitments.
    index : int
        The slot or commitment asked about, below ``64 * W``.
    """
    return bool((words[index >> 6] >> np.uint64(index & 63)) & ONE != 0)


@inner
def inside(masks: NDArray[np.uint64], row: int, words: NDArray[np.uint64]) -> bool:
    """Whether the set ``masks[row]`` is a subset of ``words``.

    Parameters
    ----------
    masks : uint64[N, W]
        Read. One set per row (a commitment's condition, a deal's members, ...).
    row : int
        The row of ``masks`` asked about.
    words : uint64[W]
        Read. The set it must lie in.
    """
    for w in range(words.shape[0]):
        if masks[row, w] & ~words[w]:
            return False
    return True


@inner
def meets(masks: NDArray[np.uint64], row: int, words: NDArray[np.uint64]) -> bool:
    """Whether the set ``masks[row]`` (a deal's breakers, ...) and ``words`` share an index.

    The parameters are those of :func:`inside`, ``words`` being the other set.
    """
    for w in range(words.shape[0]):
        if masks[row, w] & words[w]:
            return True
    return False


@inlined
def pack(flags: NDArray[np.bool_], words: NDArray[np.uint64]) -> None:
    """``words`` := the set of true entries of ``flags``.

    Each word is built in a register and without branches: the kernel's
    boolean inputs look random, and a branch per entry mispredicts often.

    Parameters
    ----------
    flags : bool[N]
        Read. One flag per slot or commitment (a row of a batch array).
    words : uint64[W]
        Written, every word. ``W = ceil(N / 64)``; bits from ``N`` on are 0.
    """
    length = flags.shape[0]
    for w in range(words.shape[0]):
        x = np.uint64(0)
        start = w * 64
        for j in range(min(64, length - start)):
            x |= np.uint64(flags[start + j]) << np.uint64(j)
        words[w] = x


@inlined
def unpack(words: NDArray[np.uint64], flags: NDArray[np.bool_]) -> None:
    """``flags`` := whether each index is in ``words`` (the inverse of :func:`pack`).

    Each word is read once into a register: stores to a boolean row could
    alias the words as far as LLVM knows, and would otherwise reload them.

    Parameters
    ----------
    words : uint64[W]
        Read. A set of slots or commitments.
    flags : bool[N]
        Written, every entry. ``W = ceil(N / 64)``.
    """
    length = flags.shape[0]
    for w in range(words.shape[0]):
        x = words[w]
        start = w * 64
        for j in range(min(64, length - start)):
            flags[start + j] = (x >> np.uint64(j)) & ONE != ZERO
