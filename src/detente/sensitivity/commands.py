"""The body of ``detente sensitivity``: check everything, print the cost, run, report.

Every user error (a bad path, range, output, method, backend or strategy) is
found before the first simulation and ends in one message, exit code 2. The
cost is printed before the run: model runs, episodes, and a time estimate from
one timed run at the scenario's own numbers (which also warms the engine).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from detente.cli_common import check_format, check_output, fail, print_json, user_errors
from detente.sensitivity.params import RANGE_NOTE, SensitivityError, choose_parameters
from detente.strategies import StrategyError

EVERY = 10.0  # seconds between plain progress lines


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A callback counting finished model runs: a line every :data:`EVERY` s and at the end."""
    start = last = time.monotonic()
    done = 0

    def advance(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.monotonic()
        if not quiet and (now - last >= EVERY or done == total):
            last = now
            left = (total - done) * (now - start) / done
            _say(
                f"sensitivity: {done:,} of {total:,} model runs ({100 * done / total:.0f}%), "
                f"about {_duration(left)} left"
            )

    yield advance


def run_sensitivity(
    scenario: str,
    method: str,
    params: Sequence[str],
    outputs: Sequence[str],
    samples: int,
    episodes: int,
    seed: int,
    strategies: Sequence[str],
    overrides: Sequence[str],
    backend: str,
    workers: int | None,
    fmt: str,
    out: Path | None,
    report: Path | None,
    quiet: bool,
) -> None:
    """``detente sensitivity``: rank the scenario's numbers by their effect on the outputs."""
    from detente.scenario.compiled import compile_scenario
    from detente.scenario.overrides import load_document
    from detente.sensitivity.analysis import check_method, problem, run_analysis, runs
    from detente.sensitivity.backends import BACKENDS, evaluate, workers_or_all
    from detente.sensitivity.model import ScenarioModel, check_outputs
    from detente.simulate.profile import parse_assignments, resolve_profile

    check_format(fmt)
    for path, option, extra in ((out, "--out", "results"), (report, "--report", "report")):
        if path is not None:
            check_output(path, option)
            if importlib.util.find_spec("pyarrow" if extra == "results" else "matplotlib") is None:
                fail(f"{option} {path}: needs pip install 'detente[{extra}]'")
    if importlib.util.find_spec("SALib") is None:
        fail("detente sensitivity needs SALib: pip install 'detente[analysis]'")
    with user_errors(StrategyError, SensitivityError):
        check_method(method, samples)
        if backend not in BACKENDS:
            raise SensitivityError(
                f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}"
            )
        if backend == "ray" and importlib.util.find_spec("ray") is None:
            raise SensitivityError("the ray backend needs Ray: pip install 'detente[ray]'")
        doc, base = load_document(scenario, overrides)
        compiled = compile_scenario(base)
        names = check_outputs(outputs or ["success"], compiled.parties)
        given = parse_assignments(strategies)
        resolve_profile(compiled, given)
        source = f"{scenario} (sampled)"
        chosen = tuple(choose_parameters(doc, source, params))
    model = ScenarioModel(doc, source, chosen, names, given, episodes, seed)
    prob = problem([p.path for p in chosen], [(p.low, p.high) for p in chosen])
    total = runs(method, len(chosen), samples)
    count = workers_or_all(workers)
    nominal = np.array([p.nominal for p in chosen])
    model(nominal[None, :])  # compiles the engine if it has to
    began = time.perf_counter()
    at_nominal = model(nominal[None, :])[0]
    per_run = time.perf_counter() - began
    _say(
        f"cost: {total:,} model runs x {episodes:,} episodes = {total * episodes:,} episodes "
        f"({method}, {len(chosen)} parameters, --samples {samples}); one run took "
        f"{per_run:.2f} s here, so about {_duration(total * per_run / min(count, total))} "
        f"on {count} {'worker' if count == 1 else 'workers'} ({backend})"
    )
    _say(
        "at the scenario's numbers: "
        + ", ".join(f"{n} {v:.4g}" for n, v in zip(names, at_nominal, strict=True))
    )
    with _progress(total, quiet) as advance, user_errors(SensitivityError):
        analysis = run_analysis(
            method,
            prob,
            names,
            lambda X: evaluate(model, X, backend, workers, advance),
            samples,
            seed,
        )
    settings = {
        "scenario": scenario,
        "episodes": episodes,
        "strategies": given,
        "set": list(overrides),
        "at_nominal": dict(zip(names, map(float, at_nominal), strict=True)),
        "range_note": RANGE_NOTE if any(p.default_range for p in chosen) else "",
    }
    analysis = replace(analysis, settings=settings)
    from detente.sensitivity import output

    if fmt == "json":
        print_json(output.to_dict(analysis))
    else:
        from detente.simulate.render import console

        console().print(output.view(analysis))
    if out is not None:
        output.write_parquet(analysis, out)
        _say(f"wrote {out}")
    if report is not None:
        output.write_report(analysis, report)
        _say(f"wrote {report}")
