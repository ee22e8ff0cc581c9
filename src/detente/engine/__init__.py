"""The roadmap engine: pure, deterministic, batch-first.

``compile_scenario`` once; ``initial_state``; then ``step(state, submissions,
rng)`` per round. One engine drives simulation, live play, the RL
environment and replay.
"""

# ruff: noqa: E402  (the cache check must run before the modules below are imported)
from detente.engine.cache import drop_stale

drop_stale()  # before any kernel is compiled or loaded from numba's cache

from detente.engine.events import Event, EventType, StepEvents
from detente.engine.rng import CounterRNG
from detente.engine.start import initial_section
from detente.engine.state import (
    ConflictingActionsError,
    State,
    Submissions,
    SubmissionShapeError,
    UnavailableActionError,
    available,
    initial_state,
    offerable,
    spread,
    step,
    why_unavailable,
)
from detente.scenario.compiled import CompiledScenario, compile_scenario

__all__ = [
    "CompiledScenario",
    "ConflictingActionsError",
    "CounterRNG",
    "Event",
    "EventType",
    "State",
    "StepEvents",
    "SubmissionShapeError",
    "Submissions",
    "UnavailableActionError",
    "available",
    "compile_scenario",
    "initial_section",
    "initial_state",
    "offerable",
    "spread",
    "step",
    "why_unavailable",
]
