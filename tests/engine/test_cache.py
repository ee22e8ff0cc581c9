"""The engine's numba cache is dropped when a source compiled into it changes, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.engine import cache


def _setup(tmp_path: Path) -> tuple[Path, tuple[Path, ...]]:
    sources = (tmp_path / "kernel.py", tmp_path / "monitoring.py")
    for path in sources:
        path.write_text("x = 1\n")
    store = tmp_path / "__pycache__"
    store.mkdir()
    return store, sources


def _entries(store: Path) -> list[Path]:
    for name in ("kernel._play-1.py311.nbi", "kernel._play-1.py311.1.nbc"):
        (store / name).write_bytes(b"compiled")
    return sorted(store.glob("*.nb?"))


def test_entries_go_when_a_source_changes_and_stay_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    store, sources = _setup(tmp_path)
    _entries(store)
    assert cache.drop_stale(store, sources)  # no stamp yet: whatever is there is unknown
    assert not list(store.glob("*.nb?"))
    kept = _entries(store)
    assert not cache.drop_stale(store, sources)
    assert sorted(store.glob("*.nb?")) == kept
    sources[1].write_text("x = 2  # a callee changed, its caller did not\n")
    assert cache.drop_stale(store, sources)
    assert not list(store.glob("*.nb?"))


def test_a_cache_moved_by_numba_cache_dir_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, sources = _setup(tmp_path)
    kept = _entries(store)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert not cache.drop_stale(store, sources)
    assert sorted(store.glob("*.nb?")) == kept


def test_the_engines_own_cache_carries_the_stamp_of_its_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    cache.drop_stale()  # a no-op when importing the engine already checked it
    stamp = Path(cache.__file__).parent / "__pycache__" / "detente-engine-sources"
    assert stamp.read_text() == cache.sources_digest()
