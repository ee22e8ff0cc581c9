"""Security headers of the dashboard's pages and assets.

The dashboard is plain HTML, JavaScript and CSS from the package, and talks
only to this server: the policy allows nothing else (no inline script, no
other origin, no framing), so an injected string cannot run as script, the
pages cannot be framed to trick a seat into a click, and no browser guesses
a type the server did not send.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class StaticAssets(StaticFiles):
    """The dashboard's assets, served with the security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response
