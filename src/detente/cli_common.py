"""What every command of the shell shares: user errors end in one line and exit code 2.

A user error (a bad scenario, override, strategy or request) is printed as
its message alone, without a traceback, and the command exits with code 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
