"""Monte Carlo forecasts: batched simulation, results, summaries, paired comparisons."""

from detente.simulate.compare import Comparison, compare
from detente.simulate.profile import DEFAULT_PROFILES, parse_assignments, resolve_profile
from detente.simulate.replay import Replay, ReplayPlan, replay
from detente.simulate.results import Results, Trajectories
from detente.simulate.runner import simulate
from detente.simulate.summary import Estimate, Summary

__all__ = [
    "DEFAULT_PROFILES",
    "Comparison",
    "Estimate",
    "Replay",
    "ReplayPlan",
    "Results",
    "Summary",
    "Trajectories",
    "compare",
    "parse_assignments",
    "replay",
    "resolve_profile",
    "simulate",
]
