"""The Ray backend on a real local Ray instance gives the local backend's numbers exactly."""

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from detente.sweep import parse_axis, sweep

ray = pytest.importorskip("ray")


@pytest.fixture(scope="session")
def ray_instance() -> Iterator[Any]:
    """One small local Ray for the whole session: starting Ray takes seconds."""
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 2**20)
    yield ray
    ray.shutdown()


def test_ray_gives_the_local_numbers(ray_instance: Any) -> None:
    axes = [parse_axis("noise.miss=0,0.1")]
    common: dict[str, Any] = {"episodes": 40, "rounds": 12, "seed": 9}
    local = sweep("korea", axes, **common, task_episodes=40)
    remote = sweep("korea", axes, **common, task_episodes=15, backend="ray")
    assert ray_instance.is_initialized()  # the backend used the running instance, left it up
    for a, b in zip(local.points, remote.points, strict=True):
        assert a.settings == b.settings
        np.testing.assert_array_equal(a.results.total, b.results.total)
        np.testing.assert_array_equal(a.results.first_reached, b.results.first_reached)
        assert a.results.summary() == b.results.summary()
