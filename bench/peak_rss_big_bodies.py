"""Peak RSS of `citewarc archive` capturing four 100 MiB bodies (issue 8, item 9).

A local server serves a page embedding four 100 MiB incompressible images; the crawl runs as a
child process and its peak RSS (ru_maxrss of the children, which covers the crawl and its
extraction workers) is printed with the body bytes for comparison. Scrapy holds each response
body once; what is measured here is how much our record serialisation adds on top of that.

    .venv/bin/python bench/peak_rss_big_bodies.py [--tree PATH] [--bodies 4] [--mib 100]

``--tree`` runs the citewarc code of another checkout (e.g. an export of an older commit) with
this Python, to compare before and after a change. Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024


def serve(bodies: int, size: int) -> ThreadingHTTPServer:
    block = os.urandom(CHUNK)  # repeated per body: incompressible enough for zlib's 32 KiB window
    imgs = "".join(f"<img src='/big/{n}.bin' alt='scan {n}'>" for n in range(bodies))
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Scans</title>"
            "</head><body><article><h1>Scans</h1>"
            + "<p>The ledgers were published only as large scans of every page.</p>" * 20
            + imgs + "</article></body></html>").encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            if self.path == "/story.html":
                self._head(len(page), "text/html; charset=utf-8")
                self.wfile.write(page)
            elif self.path.startswith("/big/"):
                self._head(size, "application/octet-stream")
                sent, salt = 0, self.path.encode()
                while sent < size:
                    piece = (salt + block)[: min(CHUNK, size - sent)]
                    self.wfile.write(piece)
                    sent += len(piece)
            else:
                self.send_error(404)

        def _head(self, length: int, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=REPO, help="citewarc checkout to run")
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--mib", type=int, default=100)
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    server = serve(args.bodies, size)
    url = f"http://127.0.0.1:{server.server_address[1]}/story.html"
    with tempfile.TemporaryDirectory(prefix="citewarc-rss-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, CITEWARC_SETTINGS="settings.test", CITEWARC_SPOOL=str(work / "spool"),
                   HOME=str(work), XDG_CACHE_HOME=str(work / ".cache"), NO_PROXY="*",
                   PYTHONPATH=str(args.tree.resolve()),
                   CITEWARC_MAX_BODY_SIZE=str(size + CHUNK),
                   CITEWARC_MAX_DECOMPRESSED_SIZE=str(size + CHUNK),
                   CITEWARC_LOG_FILE=str(work / "crawl.log"))
        env.pop("CITEWARC_STORE", None)
        done = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "archive", url, "--store", str(work / "store")],
            cwd=args.tree, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=1800)
        warcs = sorted((work / "store").rglob("*.warc.gz"))
        stored = sum(p.stat().st_size for p in warcs)
    server.shutdown()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    bodies = args.bodies * size
    print(f"tree: {args.tree}")
    print(f"exit code: {done.returncode} {done.stderr.strip()[-300:]}")
    print(f"bodies: {args.bodies} x {args.mib} MiB = {bodies / 2**20:.0f} MiB; "
          f"WARC bytes stored: {stored / 2**20:.0f} MiB")
    print(f"peak RSS of the crawl: {peak_kib / 1024:.0f} MiB "
          f"({peak_kib * 1024 / bodies:.2f} x the body bytes)")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
