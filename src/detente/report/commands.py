"""The body of ``detente report``: read results, build the page, write it (and PNGs).

Results files of ``simulate --out`` and the per-draw tables written beside them
by a run in draws (``run.draws.parquet``) may be mixed; each draws file adds
the section on its two intervals.

A file that is not a results file, or a missing matplotlib, is a user error:
one message, exit code 2.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from detente.cli_common import check_folder, check_output, fail


def run_report(paths: list[Path], out: Path, png: Path | None) -> None:
    """``detente report``: one HTML page; with ``png``, every figure as a PNG file too."""
    missing = [m for m in ("matplotlib", "pyarrow") if importlib.util.find_spec(m) is None]
    if missing:
        fail(f"reports need {' and '.join(missing)}: pip install 'detente[report,results]'")
    check_output(out)
    if png is not None:
        check_folder(png, "--png")
    from detente.report.build import build, load_runs
    from detente.report.page import render
    from detente.report.uncertainty import draws_section
    from detente.simulate.read import ResultsFileError
    from detente.simulate.uncertainty_files import is_draws_file, read_draws

    drawn = [p for p in paths if is_draws_file(p)]
    try:
        runs = load_runs([p for p in paths if p not in drawn]) if len(drawn) < len(paths) else {}
        tables = [read_draws(p) for p in drawn]
    except ResultsFileError as err:
        fail(str(err))
    sections = [*(build(runs) if runs else []), *(draws_section(t) for t in tables)]
    scenario = next(iter(runs.values())).scenario if runs else tables[0].scenario
    title = f"detente report: {scenario} ({', '.join([*runs, *(p.stem for p in drawn)])})"
    out.write_text(render(title, sections), encoding="utf-8")
    sys.stderr.write(f"wrote {out}\n")
    if png is not None:
        png.mkdir(parents=True, exist_ok=True)
        for plot in (p for s in sections for p in s.plots):
            (png / f"{plot.name}.png").write_bytes(plot.png)
        sys.stderr.write(f"wrote {sum(len(s.plots) for s in sections)} PNG files to {png}\n")
