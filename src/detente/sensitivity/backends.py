"""Where the model runs: in this process, a process pool, or Ray; results always in row order.

The sampled points are cut into contiguous chunks and each chunk's outputs are
put back at its rows, so the numbers cannot depend on the backend, the number
of workers or the order chunks finish in.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from detente.dtypes import F64
from detente.sensitivity.model import Model
from detente.sensitivity.params import SensitivityError

OnChunk = Callable[[int], None]  # called with the number of points just finished
PROGRESS_STEPS = 32  # chunks at least, so progress moves in steps of about 3%


def workers_or_all(workers: int | None) -> int:
    return workers or os.cpu_count() or 1


def chunks(n: int, workers: int) -> list[slice]:
    """Contiguous row ranges: enough of them for progress and for every worker."""
    size = max(1, math.ceil(n / max(PROGRESS_STEPS, 4 * workers)))
    return [slice(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _evaluate(model: Model, X: F64) -> F64:
    return model(X)


def _local(model: Model, X: F64, parts: list[slice], workers: int) -> Iterator[tuple[slice, F64]]:
    if workers == 1:
        for part in parts:
            yield part, model(X[part])
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(parts))) as pool:
        futures = [(part, pool.submit(_evaluate, model, X[part])) for part in parts]
        for part, future in futures:
            yield part, future.result()


def _ray(model: Model, X: F64, parts: list[slice], workers: int) -> Iterator[tuple[slice, F64]]:
    try:
        import ray
    except ImportError:
        raise SensitivityError("the ray backend needs Ray: pip install 'detente[ray]'") from None
    started = not ray.is_initialized()
    if started:
        ray.init(address="local", num_cpus=workers, include_dashboard=False)
    try:
        remote = ray.remote(num_cpus=1)(_evaluate)
        shared = ray.put(model)
        refs = [(part, remote.remote(shared, X[part])) for part in parts]
        for part, ref in refs:
            yield part, ray.get(ref)
    finally:
        if started:
            ray.shutdown()


BACKENDS = {"local": _local, "ray": _ray}


def evaluate(
    model: Model,
    X: F64,
    backend: str = "local",
    workers: int | None = None,
    on_chunk: OnChunk | None = None,
) -> F64:
    """``Y [n, outputs]``: the model at every row of ``X``, on ``backend``."""
    if backend not in BACKENDS:
        raise SensitivityError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    count = workers_or_all(workers)
    Y = np.empty((len(X), len(model.outputs)))
    for part, values in BACKENDS[backend](model, X, chunks(len(X), count), count):
        Y[part] = values
        if on_chunk is not None:
            on_chunk(part.stop - part.start)
    return Y
