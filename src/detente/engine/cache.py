"""Keeping numba's on-disk cache of the engine in step with the engine's sources.

numba keys a compiled function's cache entry by the function's own source
file only, yet a caller embeds the code of every function it calls and the
constants it reads. Change ``monitoring.py`` and leave ``kernel.py`` alone,
and the kernel keeps running the old perception from the cache: in a
working copy, tests would pass on code that is no longer there. So the
engine's cache is dropped whenever any of the files compiled into it
changes (by size or modification time), before anything is compiled or
loaded. Installed copies are safe anyway, since an install rewrites every
file; a cache moved elsewhere with ``NUMBA_CACHE_DIR`` is left alone.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_ENGINE = Path(__file__).parent
# Modules whose code or constants the compiled kernels embed: all of them in the engine.
_SOURCES = tuple(sorted(_ENGINE.glob("*.py")))
_STAMP = "detente-engine-sources"


def sources_digest(sources: tuple[Path, ...] = _SOURCES) -> str:
    """A digest of the sources' names, sizes and modification times."""
    h = hashlib.sha256()
    for path in sources:
        info = path.stat()
        h.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return h.hexdigest()


def drop_stale(cache: Path = _ENGINE / "__pycache__", sources: tuple[Path, ...] = _SOURCES) -> bool:
    """Delete the compiled entries in ``cache`` unless they were made from these sources.

    Returns whether anything was dropped. Errors (a read-only install, a
    race with another process) leave the cache as it is: numba then
    validates each entry against its own file as usual.
    """
    if "NUMBA_CACHE_DIR" in os.environ:
        return False
    digest = sources_digest(sources)
    stamp = cache / _STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        for entry in (*cache.glob("*.nbi"), *cache.glob("*.nbc")):
            entry.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        return False
    return True
