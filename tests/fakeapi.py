"""A real HTTP server on 127.0.0.1 (port 0, in a thread) that answers with scripted, recorded responses.

Tests queue answers per path (`server.answer("/api/query", body=...)`) and afterwards read `server.requests`
to assert what evlm sent [httpie http_server.py; llm get_requests]. A path with no queued answer gets a 404.
Hostile answers for the fault tests: `trickle` sends a byte at a time, `stream` sends a huge body until the client
hangs up; `server.sent` then says how many bytes went out.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from evlm_cli import net

DATA = Path(__file__).parent / "data"
CHUNK = 64 * 1024


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to provoke a client timeout)."""
    trickle: float = 0.0
    """Seconds between bytes: the status line and headers too when `trickle_headers`, else only the body."""
    trickle_headers: bool = False
    stream: int = 0
    """Bytes of body to send (repeating `body`), with no Content-Length unless `headers` give one."""


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    method: str = "GET"


class FakeApi:
    """The server and its script."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer]] = defaultdict(deque)
        self.requests: list[Request] = []
        self.sent: list[int] = []
        """Body bytes written for each `stream` or `trickle` answer, once it ended (done, or the client hung up)."""
        self.finished = threading.Event()
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_HEAD(self) -> None:
                self._answer()

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                with api._lock:
                    api.requests.append(Request(parts.path, parse_qs(parts.query), dict(self.headers), self.command))
                    queue = api.answers.get(parts.path)
                    answer = queue.popleft() if queue else Answer(404, b"Resource not found.")
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    if answer.trickle or answer.stream:
                        return self._hostile(answer)
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _hostile(self, answer: Answer) -> None:
                head = f"HTTP/1.1 {answer.status} OK\r\n".encode()
                head += b"".join(f"{k}: {v}\r\n".encode() for k, v in answer.headers.items())
                head += b"Connection: close\r\n\r\n"
                self.close_connection = True
                sent = 0
                try:
                    if answer.trickle_headers:
                        for byte in head:
                            self.wfile.write(bytes([byte]))
                            time.sleep(answer.trickle)
                    else:
                        self.wfile.write(head)
                    if self.command == "HEAD":
                        return
                    if answer.trickle:
                        for byte in answer.body:
                            self.wfile.write(bytes([byte]))
                            sent += 1
                            time.sleep(answer.trickle)
                    else:
                        chunk = (answer.body or b"x") * max(1, CHUNK // max(1, len(answer.body)))
                        while sent < answer.stream:
                            piece = chunk[: answer.stream - sent]
                            self.wfile.write(piece)
                            sent += len(piece)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with api._lock:
                        api.sent.append(sent)
                    api.finished.set()

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
        trickle: float = 0.0,
        trickle_headers: bool = False,
        stream: int = 0,
    ) -> None:
        """Queue one answer for `path`; `file` names a recording in tests/data/."""
        data = (DATA / file).read_bytes() if file else body.encode() if isinstance(body, str) else body
        self.answers[path].append(Answer(status, data, headers or {}, delay, trickle, trickle_headers, stream))

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def wait_sent(self, timeout: float = 20.0) -> int:
        """The body bytes of the first hostile answer, once the server noticed it ended."""
        assert self.finished.wait(timeout), "the server never finished sending"
        return self.sent[0]

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def fake_dns(monkeypatch: pytest.MonkeyPatch, *, failing: tuple[str, ...] = (), everything: bool = False) -> list[str]:
    """Make name lookups of `failing` hosts (or of every host) fail as with no resolver; `net.PROBE_HOSTS` resolve
    otherwise (to an address never connected to). Returns the names looked up. No test asks a real resolver."""
    monkeypatch.setattr(net, "_network", {})  # no verdict from an earlier test
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        if everything or name in failing:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if name in net.PROBE_HOSTS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 443))]  # never connected to
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked
