"""What every command of the shell shares: user errors end in one line and exit code 2.

A user error (a bad scenario, override, strategy or request) is printed as
its message alone, without a traceback, and the command exits with code 2.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer

from detente.scenario import ScenarioError
from detente.scenario.overrides import OverrideError

FORMATS = ("table", "json")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a user error on stderr and exit."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    raise typer.Exit(code)


@contextmanager
def user_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn scenario and override errors, and ``kinds``, into :func:`fail`."""
    caught: tuple[type[Exception], ...] = (ScenarioError, OverrideError, *kinds)
    try:
        yield
    except caught as err:
        fail(str(err))


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def check_output(path: Path, option: str = "--out") -> None:
    """Fail before any work when ``path`` cannot be written: a run's results are not lost at
    its end for a mistyped folder."""
    where = f"{option} {path}"
    if path.is_dir():
        fail(f"{where}: is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        fail(f"{where}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(f"{where}: no permission to write in folder {folder}")
    if path.exists() and not os.access(path, os.W_OK):
        fail(f"{where}: the file exists and is not writable")


def check_folder(path: Path, option: str) -> None:
    """Fail before any work when folder ``path`` cannot be created or written into."""
    where = f"{option} {path}"
    if path.exists() and not path.is_dir():
        fail(f"{where}: is a file, not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        fail(f"{where}: cannot write in {existing}")


def parse_date(value: str | None, option: str) -> datetime.date | None:
    """An option's ISO 8601 date; exit 2 naming the option and the value otherwise."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be an ISO 8601 date (YYYY-MM-DD), got {value!r}")
