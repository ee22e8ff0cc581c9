"""Where a sweep's tasks run: a process pool on this machine, or a Ray cluster.

Both return each task's results in task order, so the numbers cannot depend
on the backend, the number of workers or the order tasks finish in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from detente.simulate.results import Results
from detente.sweep.grid import SweepError
from detente.sweep.tasks import Task, run_task

Backend = Callable[[list[Task], int | None, str | None], list[Results]]


def run_local(tasks: list[Task], workers: int | None, address: str | None) -> list[Results]:
    """A process pool of ``workers`` processes (default: one per CPU)."""
    if address is not None:
        raise SweepError("--address is for the ray backend; the local backend has none")
    count = min(workers or os.cpu_count() or 1, len(tasks))
    with ProcessPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run_task, tasks))


def run_ray(tasks: list[Task], workers: int | None, address: str | None) -> list[Results]:
    """Ray: the cluster at ``address``, the one already connected, or a local one started here.

    A local Ray started here gets ``workers`` CPUs (default: all) and is shut
    down afterwards; on a cluster, Ray decides where tasks run.
    """
    try:
        import ray
    except ImportError:
        raise SweepError("the ray backend needs Ray: pip install 'detente[ray]'") from None
    started = not ray.is_initialized()
    if started:
        if address is None:
            ray.init(address="local", num_cpus=workers, include_dashboard=False)
        else:
            ray.init(address=address)
    try:
        remote = ray.remote(num_cpus=1)(run_task)
        return list(ray.get([remote.remote(task) for task in tasks]))
    finally:
        if started:
            ray.shutdown()


BACKENDS: dict[str, Backend] = {"local": run_local, "ray": run_ray}
