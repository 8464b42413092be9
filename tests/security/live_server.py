"""A real HTTP server around the test app, and a minimal browser to drive it from threads.

The Flask test client runs a request in the calling thread; races between
requests need requests served at the same time by a real server, each in a
thread of its own, with its own database connection and transaction. Werkzeug's
threaded server serves each request in a new thread; :class:`Browser` keeps a
cookie jar and speaks plain HTTP/1.1 (one connection per request).
"""
from __future__ import annotations

import http.client
import threading
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any, Iterator
from urllib.parse import urlencode

from security.ektp_support import PASSWORD, csrf_token


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free local port in a background thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ektp-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()


class Response:
    def __init__(self, status: int, headers: Any, body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


class Browser:
    """One user's browser: cookies kept between requests, forms posted url-encoded."""

    def __init__(self, base_url: str) -> None:
        host_port = base_url.split("//", 1)[1]
        self.host, port = host_port.split(":")
        self.port = int(port)
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, data: Any = None) -> tuple[http.client.HTTPConnection, Any]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return conn, response

    def request(self, method: str, path: str, data: Any = None) -> Response:
        conn, response = self._send(method, path, data)
        try:
            return Response(response.status, response.headers, response.read().decode("utf-8"))
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: Any) -> Response:
        return self.request("POST", path, data)

    @contextmanager
    def stream(self, path: str) -> Iterator[Any]:
        """GET ``path`` and yield the open response, to read as slowly as one likes."""
        conn, response = self._send("GET", path)
        try:
            yield response
        finally:
            conn.close()

    def sign_in(self, username: str, *, lang: str = "en") -> "Browser":
        page = self.get("/login")
        response = self.post("/login", {"username": username, "password": PASSWORD,
                                        "csrf_token": csrf_token(page.body)})
        assert response.status == 302, response.body[:500]
        self.get(f"/admin/?lang={lang}")
        return self
