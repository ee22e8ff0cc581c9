"""The event hash is SHA-256 of the canonical JSON of the other columns, however it is computed."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from detente.ledger.record import canonical_json, content_hash

_text = st.text()  # any string: quotes, backslashes, control and non-ASCII characters
_columns = st.fixed_dictionaries(
    {
        "session": _text,
        "seq": st.integers(min_value=0, max_value=2**62),
        "type": _text,
        "round": st.integers(min_value=0, max_value=2**31),
        "party": st.none() | _text,
        "payload": _text,
        "at": _text,
        "prev_hash": _text,
    }
)


@given(_columns)
def test_the_hash_is_of_the_canonical_json_of_the_columns(columns: dict[str, Any]) -> None:
    expected = hashlib.sha256(canonical_json(columns).encode("utf-8")).hexdigest()
    assert content_hash(**columns) == expected
