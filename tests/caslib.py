"""A small CAS 2.0/3.0 server of the test suite's own, on 127.0.0.1 (http.server in a thread).

``GET /login?service=S&user=U`` stands for the user signing in at the CAS page: it issues a
service ticket for exactly ``S`` and redirects to ``S?ticket=ST-…``. ``GET /login?service=S``
without a user answers 200 with a page (what a browser would see before signing in).
``GET /serviceValidate`` and ``/p3/serviceValidate`` answer the CAS XML: success only for a
ticket issued for the same service, and only once.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

SUCCESS = (
    '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
    "<cas:authenticationSuccess><cas:user>{user}</cas:user>"
    "<cas:attributes><cas:displayName>{user}</cas:displayName></cas:attributes>"
    "</cas:authenticationSuccess></cas:serviceResponse>"
)
FAILURE = (
    '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
    '<cas:authenticationFailure code="{code}">{text}</cas:authenticationFailure>'
    "</cas:serviceResponse>"
)


class CasServer:
    """The tickets issued (ticket → (service, user)) and the validations asked for."""

    def __init__(self) -> None:
        self.tickets: dict[str, tuple[str, str]] = {}
        self.validations: list[tuple[str, str, bool]] = []
        self.url = ""

    def issue(self, service: str, user: str) -> str:
        ticket = "ST-" + secrets.token_hex(12)
        self.tickets[ticket] = (service, user)
        return ticket

    def validate(self, ticket: str, service: str) -> str | None:
        issued = self.tickets.pop(ticket, None)  # a ticket validates once
        ok = issued is not None and issued[0] == service
        self.validations.append((ticket, service, ok))
        return issued[1] if ok and issued else None


@contextmanager
def cas_server() -> Iterator[CasServer]:
    state = CasServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            service = query.get("service", "")
            if parts.path.endswith("/login"):
                user = query.get("user")
                if not user:
                    self._answer(200, "text/html", "<html><body>统一身份认证</body></html>")
                    return
                ticket = state.issue(service, user)
                sep = "&" if "?" in service else "?"
                self.send_response(302)
                self.send_header("Location", f"{service}{sep}{urlencode({'ticket': ticket})}")
                self.end_headers()
                return
            if parts.path.endswith("serviceValidate"):
                user = state.validate(query.get("ticket", ""), service)
                if user is None:
                    body = FAILURE.format(code="INVALID_TICKET", text="ticket not recognized")
                else:
                    body = SUCCESS.format(user=escape(user))
                self._answer(200, "text/xml; charset=utf-8", body)
                return
            self._answer(404, "text/plain", "not found")

        def _answer(self, status: int, kind: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/cas"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
