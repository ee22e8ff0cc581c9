"""Ray RLlib: register the korea roadmap as a multi-agent environment and train PPO briefly.

For those who have Ray with RLlib installed (``pip install "ray[rllib]" torch``);
detente does not depend on it. RLlib wraps a PettingZoo parallel environment
with ``ParallelPettingZooEnv``; each party gets its own policy here, since
parties' spaces differ (their own slots and commitments). Observations are
``Dict(observation, action_mask)``; RLlib's default models flatten them, so
this example ignores the mask, which the environment applies anyway
(unavailable bits are dropped, ``docs/envs.md``).

Usage: python examples/rllib_example.py [--iterations N]
"""

from __future__ import annotations

import argparse
from typing import Any

from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
from ray.tune.registry import register_env

from detente.envs import parallel_env

ENV_NAME = "detente_korea"


def make_env(config: dict[str, Any]) -> ParallelPettingZooEnv:
    """RLlib's env creator: ``config`` holds the keyword arguments of ``parallel_env``."""
    return ParallelPettingZooEnv(parallel_env(**config))


def build_config(rounds: int = 40) -> PPOConfig:
    """PPO with one policy per party of the korea scenario."""
    register_env(ENV_NAME, make_env)
    parties = parallel_env(scenario="korea").possible_agents
    return (
        PPOConfig()
        .environment(ENV_NAME, env_config={"scenario": "korea", "max_cycles": rounds})
        .multi_agent(
            policies=set(parties),
            policy_mapping_fn=lambda agent_id, *args, **kwargs: agent_id,
        )
        .env_runners(num_env_runners=0)
        .training(train_batch_size=400, minibatch_size=100, num_epochs=2)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2)
    args = parser.parse_args(argv)
    algo = build_config().build()
    for i in range(args.iterations):
        result = algo.train()
        returns = result.get("env_runners", {}).get("episode_return_mean")
        print(f"iteration {i + 1}: mean episode return {returns}")
    algo.stop()


if __name__ == "__main__":
    main()
