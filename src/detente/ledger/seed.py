"""A session's engine seed: secret while the session runs, committed to, revealed at the close.

Whoever knows the seed knows every random draw of the engine before anyone
moves (which observer misses what, which false alarms come). So the public
``session_created`` event holds only a commitment, the SHA-256 of the seed
with a random salt; the seed itself is kept beside the ledger (not in it)
for the server's restarts and the operator's audits, and the
``session_closed`` event reveals seed and salt, so that anyone can check
that the session was played with the seed it committed to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

SEED_BITS = 62  # a drawn seed: far too many to try one by one against the public record


@dataclass(frozen=True)
class SeedSecret:
    """A session's seed and the salt that keeps its commitment from being guessed."""

    seed: int
    salt: str

    @staticmethod
    def draw(seed: int | None = None) -> SeedSecret:
        """A fresh salt, with ``seed`` (a creator's choice) or a random seed."""
        chosen = secrets.randbelow(2**SEED_BITS) if seed is None else seed
        return SeedSecret(chosen, secrets.token_hex(16))

    def commitment(self, session: str) -> str:
        """The hex SHA-256 published in ``session_created``."""
        text = f"detente-seed|{session}|{self.seed}|{self.salt}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def reveal(self) -> dict[str, Any]:
        """What ``session_closed`` publishes."""
        return {"seed": self.seed, "salt": self.salt}

    @staticmethod
    def revealed(payload: dict[str, Any]) -> SeedSecret | None:
        """The secret a ``session_closed`` payload reveals, if it does."""
        if "seed" not in payload or "salt" not in payload:
            return None
        return SeedSecret(int(payload["seed"]), str(payload["salt"]))
