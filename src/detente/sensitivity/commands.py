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

from detente.cli_common import check_format, check_output, fail, print_json, user_errors
from detente.sensitivity.params import SensitivityError

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
    top: int | None,
    quiet: bool,
) -> None:
    """``detente sensitivity``: rank the scenario's numbers by their effect on the outputs."""
    from detente.sensitivity.analysis import check_method, runs
    from detente.sensitivity.backends import BACKENDS, workers_or_all
    from detente.sensitivity.scenario import analyse, nominal, prepare
    from detente.simulate.profile import parse_assignments
    from detente.strategies import StrategyError

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
        model = prepare(
            scenario,
            params,
            outputs or ["success"],
            episodes,
            seed,
            parse_assignments(strategies),
            overrides,
        )
    chosen, names = model.parameters, model.outputs
    total = runs(method, len(chosen), samples)
    count = workers_or_all(workers)
    nominal(model)  # compiles the engine if it has to
    began = time.perf_counter()
    at_nominal = nominal(model)
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
        analysis = analyse(model, method, samples, seed, backend, workers, advance)
    settings = {
        **analysis.settings,
        "set": list(overrides),
        "at_nominal": dict(zip(names, map(float, at_nominal), strict=True)),
    }
    analysis = replace(analysis, settings=settings)
    from detente.sensitivity import output

    if fmt == "json":
        print_json(output.to_dict(analysis))
    else:
        from detente.simulate.render import console

        console().print(output.view(analysis, top))
    if out is not None:
        output.write_parquet(analysis, out)
        _say(f"wrote {out}")
    if report is not None:
        output.write_report(analysis, report)
        _say(f"wrote {report}")
