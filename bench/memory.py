"""Peak memory of a very large forecast: ``simulate korea --episodes N --rounds 2`` under
``/usr/bin/time -v``, which must stay under 1 GB resident whatever N (summaries are streamed).

    python bench/memory.py                      # N = 100,000,000 (long: minutes)
    python bench/memory.py --episodes 10000000  # quicker; memory does not grow with N

Runs the ``detente`` beside this interpreter, with this checkout's sources first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LIMIT_KB = 1_000_000  # 1 GB
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    detente = Path(sys.executable).with_name("detente")
    command = [
        "/usr/bin/time", "-v", str(detente), "simulate", "korea",
        "--episodes", str(args.episodes), "--rounds", str(args.rounds), "--format", "json",
    ]  # fmt: skip
    env = dict(
        os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    start = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.monotonic() - start
    if run.returncode != 0:
        sys.exit(f"detente failed ({run.returncode}):\n{run.stderr}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1])  # type: ignore[index]
    print(" ".join(command[2:]))
    print(f"episodes {args.episodes:,} x {args.rounds} rounds: {seconds:.0f} s wall")
    print(f"maximum resident set size: {peak:,} kB ({peak / 1e6:.2f} GB); limit 1 GB")
    sys.exit(0 if peak < LIMIT_KB else 1)


if __name__ == "__main__":
    main()
