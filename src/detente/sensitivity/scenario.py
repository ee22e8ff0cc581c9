"""The library entry: a scenario's sensitivity model, checked, and its analysis.

``detente sensitivity`` is :func:`prepare`, a timed run at the scenario's own
numbers, then :func:`analyse`; a notebook can call the two directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from detente.dtypes import F64
from detente.sensitivity.analysis import Analysis, problem, run_analysis
from detente.sensitivity.backends import OnChunk, evaluate
from detente.sensitivity.model import ScenarioModel, check_outputs
from detente.sensitivity.params import RANGE_NOTE, choose_parameters


def prepare(
    scenario: str | Path,
    params: Sequence[str] = (),
    outputs: Sequence[str] = ("success",),
    episodes: int = 2_000,
    seed: int = 0,
    strategies: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> ScenarioModel:
    """The model of ``scenario`` (with ``overrides``) over ``params`` (default: its assumptions).

    Every parameter, range, output and strategy is checked here, before any simulation:
    :class:`~detente.sensitivity.SensitivityError` (or the scenario's, the strategy's error).
    """
    from detente.scenario.compiled import compile_scenario
    from detente.scenario.overrides import load_document
    from detente.simulate.profile import resolve_profile

    doc, base = load_document(scenario, overrides)
    compiled = compile_scenario(base)
    names = check_outputs(outputs, compiled.parties)
    given = dict(strategies or {})
    resolve_profile(compiled, given)
    source = f"{scenario} (sampled)"
    chosen = tuple(choose_parameters(doc, source, params))
    return ScenarioModel(doc, source, chosen, names, given, episodes, seed)


def nominal(model: ScenarioModel) -> F64:
    """The outputs at the numbers the scenario writes (the centre of the default ranges)."""
    out: F64 = model(np.array([[p.nominal for p in model.parameters]]))[0]
    return out


def analyse(
    model: ScenarioModel,
    method: str = "morris",
    samples: int = 10,
    seed: int | None = None,
    backend: str = "local",
    workers: int | None = None,
    on_chunk: OnChunk | None = None,
) -> Analysis:
    """Sample with ``seed`` (default: the model's), run every point on ``backend``, rank."""
    params = model.parameters
    prob = problem([p.path for p in params], [(p.low, p.high) for p in params])
    analysis = run_analysis(
        method,
        prob,
        model.outputs,
        lambda X: evaluate(model, X, backend, workers, on_chunk),
        samples,
        model.seed if seed is None else seed,
    )
    settings = {
        "scenario": model.source.removesuffix(" (sampled)"),
        "episodes": model.episodes,
        "strategies": model.profile,
        "range_note": RANGE_NOTE if any(p.default_range for p in params) else "",
    }
    return replace(analysis, settings=settings)
