"""Security headers on every response, and no caching of pages that carry patient data.

- ``Content-Security-Policy``: only this origin's scripts, styles, images and forms; no
  framing (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for old browsers).
  The dashboard's templates still hold inline ``<style>`` and ``<script>`` blocks, so
  ``'unsafe-inline'`` stays for those two until they move to static files;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``;
- ``Cache-Control: no-store`` on the dashboard, the admin API and the sandbox, whose pages
  show names, numbers and messages.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PRIVATE_PREFIXES = ("/admin", "/api", "/sandbox")


class SecurityHeaders:
    """Plain ASGI middleware: it touches only the response's start, never its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = str(scope.get("path", "")).startswith(PRIVATE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
