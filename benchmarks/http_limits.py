"""What a hostile server costs `evlm add` and `evlm check --links`: wall time, peak memory, bytes it got to send.

    python benchmarks/http_limits.py [--size-mb 200] [--timeout 2]

A loopback server (never a real host) answers with a 200 MB body (with and without Content-Length), a gzip bomb
inflating to that size, or a trickle of one byte every 0.05 s (headers first, then the body). Each command runs as
a fresh process against the shipped survey (`add --dry-run` writes nothing); the peak RSS is the process's own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVLM = [sys.executable, "-m", "evlm_cli"]
MiB = 1024 * 1024
FEED = b'<feed xmlns="http://www.w3.org/2005/Atom">' + b"<entry></entry>" * 64
EMPTY = b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
"""arXiv's answer for an id it does not know: the baseline."""


@dataclass
class Hostile:
    size: int = 0
    """Body bytes to send (repeating `body`)."""
    body: bytes = FEED
    length: bool = False
    """Send a Content-Length header."""
    gzip: bytes = b""
    """A gzip body sent as is, with Content-Encoding: gzip."""
    trickle: float = 0.0
    """Seconds between bytes of the whole answer, headers included."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    plan: Hostile
    sent: list[int]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        plan = self.server.plan
        headers = ["HTTP/1.1 200 OK", "Content-Type: text/html", "Connection: close"]
        if plan.gzip:
            headers += ["Content-Encoding: gzip", f"Content-Length: {len(plan.gzip)}"]
        elif plan.length:
            headers.append(f"Content-Length: {plan.size}")
        head = ("\r\n".join(headers) + "\r\n\r\n").encode()
        sent = 0
        try:
            if plan.trickle:
                for byte in head + plan.body * 100:
                    self.wfile.write(bytes([byte]))
                    sent += 1
                    time.sleep(plan.trickle)
                return
            self.wfile.write(head)
            if self.command == "HEAD":
                return
            if plan.gzip:
                self.wfile.write(plan.gzip)
                sent = len(plan.gzip)
                return
            chunk = plan.body * (64 * 1024 // len(plan.body))
            while sent < plan.size:
                piece = chunk[: plan.size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.server.sent.append(sent)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and the last line of stderr of one process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, _, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    return elapsed, usage.ru_maxrss / 1024, (lines[-1] if lines else "")


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(bytes(MiB)) for _ in range(size // MiB)) + packer.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--only", default="", help="Run only the answers whose name contains this text.")
    args = parser.parse_args()
    size = args.size_mb * MiB

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    folder = Path(tempfile.mkdtemp(prefix="evlm-http-"))
    database = folder / "data" / "papers.toml"
    database.parent.mkdir()
    shutil.copy(ROOT / "data" / "papers.toml", database)
    links_db = folder / "links" / "papers.toml"
    links_db.parent.mkdir()
    links_db.write_text(
        'schema = 1\n[survey]\ntitle = "t"\n[[papers]]\nkey = "a2024"\ntitle = "A"\nsection = "s"\n'
        f'authors = ["A. Author"]\nyear = 2024\narxiv = "2308.13137"\nlinks = [{{label = "Paper", url = "{url}/p"}}]\n'
        '[[sections]]\nid = "s"\ntitle = "S"\n',
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EVLM_")},
        "EVLM_ARXIV_API": url + "/api/query",
        "EVLM_ARXIV_DELAY": "0",
        "EVLM_HTTP_BACKOFF": "0",
        "EVLM_HTTP_TIMEOUT": str(args.timeout),
        "XDG_CACHE_HOME": str(folder / "cache"),
    }
    add = [*EVLM, "--db", str(database), "add", "2501.00001", "--section", "token-reduction", "--dry-run"]
    check = [*EVLM, "--db", str(links_db), "check", "--links", "--json", "--max-age", "0", "--retries", "0"]
    bomb = gzip_bomb(size)
    cases = [
        ("small answer (baseline)", Hostile(size=len(EMPTY), body=EMPTY, length=True)),
        (f"{args.size_mb} MB answer, no Content-Length", Hostile(size=size)),
        (f"{args.size_mb} MB answer, Content-Length", Hostile(size=size, length=True)),
        (f"gzip bomb ({len(bomb) // 1024} KiB -> {args.size_mb} MB)", Hostile(gzip=bomb)),
        ("a byte every 0.05 s", Hostile(trickle=0.05)),
    ]
    print(f"timeout {args.timeout:g} s; peak RSS is the whole evlm process")
    print(f"{'command':<18} {'server answer':<36} {'wall s':>7} {'peak MiB':>9} {'sent KiB':>9}  last line of stderr")
    for command, argv in (("add --dry-run", add), ("check --links", check)):
        for name, plan in cases:
            if args.only not in name:
                continue
            server.plan, server.sent = plan, []
            elapsed, peak, last = run(argv, env)
            deadline = time.monotonic() + 5
            while not server.sent and time.monotonic() < deadline:
                time.sleep(0.02)
            sent = sum(server.sent) / 1024
            print(f"{command:<18} {name:<36} {elapsed:7.2f} {peak:9.1f} {sent:9.0f}  {last[:90]}")
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
