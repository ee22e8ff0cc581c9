"""Reinforcement learning on the roadmap: PettingZoo and Gymnasium environments.

The usual PettingZoo module layout:

* :func:`parallel_env`: the parallel environment (every agent moves at once,
  as the engine's parties do);
* :func:`env`: its AEC view through PettingZoo's standard conversion
  (``parallel_to_aec``, which adds the order-enforcing wrapper);
* :func:`raw_env`: the same AEC view without that wrapper.

:mod:`detente.envs.gym` has a single-agent Gymnasium environment. This
package imports pettingzoo and gymnasium (the ``rl`` extra); ``import
detente`` does not. See ``docs/envs.md``.
"""

from __future__ import annotations

from typing import Any

from pettingzoo.utils.conversions import parallel_to_aec, parallel_to_aec_wrapper

from detente.envs.parallel import DetenteParallelEnv

__all__ = ["DetenteParallelEnv", "env", "parallel_env", "raw_env"]


def parallel_env(**kwargs: Any) -> DetenteParallelEnv:
    """The parallel environment; keyword arguments as :class:`DetenteParallelEnv`."""
    return DetenteParallelEnv(**kwargs)


def raw_env(**kwargs: Any) -> Any:
    """The AEC view of :func:`parallel_env`, without the order-enforcing wrapper."""
    return parallel_to_aec_wrapper(parallel_env(**kwargs))


def env(**kwargs: Any) -> Any:
    """The AEC view of :func:`parallel_env` by PettingZoo's standard conversion."""
    return parallel_to_aec(parallel_env(**kwargs))
