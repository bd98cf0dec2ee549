"""A real HTTP server on 127.0.0.1 (port 0, in a thread) that answers with scripted, recorded responses.

Tests queue answers per path (`server.answer("/api/query", body=...)`) and afterwards read `server.requests`
to assert what evlm sent [httpie http_server.py; llm get_requests]. A path with no queued answer gets a 404.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to provoke a client timeout)."""


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class FakeApi:
    """The server and its script."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer]] = defaultdict(deque)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with api._lock:
                    api.requests.append(Request(parts.path, parse_qs(parts.query), dict(self.headers)))
                    queue = api.answers.get(parts.path)
                    answer = queue.popleft() if queue else Answer(404, b"Resource not found.")
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(
        self,
        path: str,
        *,
        body: bytes | str = b"",
        file: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue one answer for `path`; `file` names a recording in tests/data/."""
        data = (DATA / file).read_bytes() if file else body.encode() if isinstance(body, str) else body
        self.answers[path].append(Answer(status, data, headers or {}, delay))

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
