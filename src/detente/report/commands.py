"""The body of ``detente report``: read results, build the page, write it (and PNGs).

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
    from detente.simulate.read import ResultsFileError

    try:
        runs = load_runs(paths)
    except ResultsFileError as err:
        fail(str(err))
    sections = build(runs)
    title = f"detente report: {next(iter(runs.values())).scenario} ({', '.join(runs)})"
    out.write_text(render(title, sections), encoding="utf-8")
    sys.stderr.write(f"wrote {out}\n")
    if png is not None:
        png.mkdir(parents=True, exist_ok=True)
        for plot in (p for s in sections for p in s.plots):
            (png / f"{plot.name}.png").write_bytes(plot.png)
        sys.stderr.write(f"wrote {sum(len(s.plots) for s in sections)} PNG files to {png}\n")
