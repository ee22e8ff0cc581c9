"""Tabular Q-learning for one seat: player A of the prisoner's dilemma against tit for tat.

The learner sees two documented features of its observation
(``docs/envs.md``): ``perceived.A.defect`` and ``perceived.B.defect``, what
it perceived of last round. Its actions are the legal bit vectors of its
action space (one bit on ``ipd``: defect). Episodes are 50 rounds (``--rounds``;
``end_at_success=False``: ending at success would stop the payoffs, and
mutual defection would then pay more than peace). Against tit for tat
the learner starts near the random policy and learns that defection is
answered in kind: it ends above the fixed baselines (always defect, random,
alternate) that the simulator measures in the same seat.

Needs only numpy and the ``rl`` extra; with matplotlib installed it saves the
learning curve as a PNG.

Usage: python examples/q_learning.py [--episodes N] [--rounds R] [--seed S] [--out PNG]
"""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict

import numpy as np

from detente.envs.gym import SeatEnv
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from detente.simulate import simulate

SEAT, OPPONENT, OPPONENT_STRATEGY = "A", "B", "tit_for_tat"
FEATURES = ("perceived.A.defect", "perceived.B.defect")
BASELINES = ("defect", "random", "alternator", "tit_for_tat")


class QLearner:
    """Q(s, a) over discretised features and the legal bit vectors of a small action space."""

    def __init__(self, n_bits: int, *, gamma: float, seed: int) -> None:
        self.actions = [
            np.array(bits, dtype=np.int8) for bits in itertools.product((0, 1), repeat=n_bits)
        ]
        n = len(self.actions)
        self.q: defaultdict[tuple[int, ...], np.ndarray] = defaultdict(lambda: np.zeros(n))
        self.visits: defaultdict[tuple[int, ...], np.ndarray] = defaultdict(lambda: np.zeros(n))
        self.gamma = gamma
        self.gen = np.random.default_rng(seed)

    def legal(self, mask: np.ndarray) -> np.ndarray:
        """Indices of the actions that set no masked bit."""
        return np.flatnonzero([not (a & (1 - mask)).any() for a in self.actions])

    def act(self, state: tuple[int, ...], mask: np.ndarray, epsilon: float) -> int:
        """Epsilon-greedy; ties broken at random, so an untrained learner plays at random."""
        legal = self.legal(mask)
        values = self.q[state][legal]
        if self.gen.random() < epsilon:
            return int(self.gen.choice(legal))
        return int(self.gen.choice(legal[values == values.max()]))

    def learn(
        self,
        s: tuple[int, ...],
        a: int,
        r: float,
        s2: tuple[int, ...],
        mask2: np.ndarray,
        done: bool,
    ) -> None:
        """One Q-learning update with step size 1/visits (floored), which settles the values."""
        target = r if done else r + self.gamma * self.q[s2][self.legal(mask2)].max()
        self.visits[s][a] += 1
        alpha = max(0.02, 1.0 / self.visits[s][a])
        self.q[s][a] += alpha * (target - self.q[s][a])


def play(env: SeatEnv, learner: QLearner, index: list[int], epsilon: float, train: bool) -> float:
    """One episode; returns the learner's total payoff."""
    obs, _ = env.reset()
    state = tuple(int(obs["observation"][i] > 0.5) for i in index)
    total, done = 0.0, False
    while not done:
        a = learner.act(state, obs["action_mask"], epsilon)
        obs, reward, terminated, truncated, _ = env.step(learner.actions[a])
        done = terminated or truncated
        nxt = tuple(int(obs["observation"][i] > 0.5) for i in index)
        if train:
            learner.learn(state, a, reward, nxt, obs["action_mask"], terminated)
        state, total = nxt, total + reward
    return total


def baselines(rounds: int, seed: int) -> dict[str, float]:
    """Mean total payoff of library strategies in the same seat (the simulator, 20 episodes)."""
    compiled = compile_scenario(load_scenario("ipd"))
    seat = compiled.parties.index(SEAT)
    out = {}
    for name in BASELINES:
        profile = {SEAT: name, OPPONENT: OPPONENT_STRATEGY}
        results = simulate(compiled, profile, episodes=20, rounds=rounds, seed=seed)
        out[name] = float(results.total[:, seat].mean())
    return out


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=50, help="rounds per episode (ipd: 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="q_learning.png", help="PNG path ('' for none)")
    args = parser.parse_args(argv)

    env = SeatEnv(
        "ipd",
        party=SEAT,
        opponents={OPPONENT: OPPONENT_STRATEGY},
        max_cycles=args.rounds,
        end_at_success=False,
    )
    env.reset(seed=args.seed)
    names = env.parallel.observation_names(SEAT)
    index = [names.index(f) for f in FEATURES]
    learner = QLearner(len(env.parallel.action_names(SEAT)), gamma=0.95, seed=args.seed)
    returns: list[float] = []
    greedy = [(0, play(env, learner, index, 0.0, train=False))]
    for episode in range(1, args.episodes + 1):
        epsilon = max(0.0, 1.0 - episode / (0.7 * args.episodes))
        returns.append(play(env, learner, index, epsilon, train=True))
        if episode % 10 == 0 or episode == args.episodes:
            greedy.append((episode, play(env, learner, index, 0.0, train=False)))
    scores = baselines(args.rounds, args.seed)
    scores["learned (greedy)"] = greedy[-1][1]
    for name, value in scores.items():
        print(f"{name:>18}: {value:7.1f}")
    if args.out:
        plot(returns, greedy, scores, args.out)
    return scores


def plot(
    returns: list[float], greedy: list[tuple[int, float]], scores: dict[str, float], out: str
) -> None:
    """The learning curve against the baselines' horizontal lines, as a PNG (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(range(1, len(returns) + 1), returns, color="0.7", label="training (epsilon-greedy)")
    ax.plot(*zip(*greedy, strict=True), "o-", color="tab:blue", label="greedy policy")
    for name in BASELINES:
        ax.axhline(scores[name], linestyle="--", linewidth=1)
        ax.annotate(name, (len(returns), scores[name]), ha="right", va="bottom", fontsize=8)
    ax.set(
        xlabel="episode",
        ylabel=f"{SEAT}'s total payoff per episode",
        title=f"Q-learning as {SEAT} against {OPPONENT_STRATEGY} (ipd)",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot saved to {out}")


if __name__ == "__main__":
    main()
