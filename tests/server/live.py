"""A real server: ``detente serve`` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.databases import free_port


@contextmanager
def served(
    db: str, port: int | None = None, output: list[str] | None = None, *options: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The base URL of a server on ``db``, and its process (killed at the end if still up).

    With ``output``, the server's stdout is read as it comes, line by line, into that list.
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "detente", "serve", "--db", db, "--port", str(port), *options]
    stdout = subprocess.DEVNULL if output is None else subprocess.PIPE
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    if output is not None:
        threading.Thread(target=_read_lines, args=(proc, output), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _read_lines(proc: subprocess.Popen[bytes], into: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        into.append(line.decode("utf-8", "replace").rstrip("\n"))
