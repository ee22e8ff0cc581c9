"""Compiled scenarios shared by every session whose scenario has the same text.

Parsing and compiling a scenario costs tens of milliseconds (korea) and its
tables stay in memory as long as a session uses them; a server with many
sessions of one scenario, and a restart that folds them all, would pay both
once per session. Compiled scenarios are read-only, so one per distinct text
is enough: a compiled scenario is found here as long as a session holds it
(weakly referenced), and the few most recent ones stay even without a session
(the server compiles an upload before the session that uses it exists).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any
from weakref import WeakValueDictionary

from detente.scenario import parse_yaml
from detente.scenario.compiled import CompiledScenario, compile_scenario

RECENT = 8  # compiled scenarios kept although no session holds them

_shared: WeakValueDictionary[str, CompiledScenario] = WeakValueDictionary()
_recent: OrderedDict[str, CompiledScenario] = OrderedDict()
_lock = threading.Lock()


def compiled_from_text(text: str, source: str, **parse_options: Any) -> CompiledScenario:
    """The compiled scenario of YAML ``text``; ScenarioError (naming ``source``) when invalid.

    ``parse_options`` go to :func:`~detente.scenario.parse_yaml` (its limits)
    when the text is not compiled yet.
    """
    key = _key(text)
    with _lock:
        found = _shared.get(key)
    if found is None:
        found = compile_scenario(parse_yaml(text, source, **parse_options))
    with _lock:
        found = _shared.setdefault(key, found)
        _recent[key] = found
        _recent.move_to_end(key)
        while len(_recent) > RECENT:
            _recent.popitem(last=False)
    return found


def compiled_already(text: str) -> CompiledScenario | None:
    """The compiled scenario of ``text`` if it is at hand (a lookup, no parsing)."""
    with _lock:
        return _shared.get(_key(text))


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
