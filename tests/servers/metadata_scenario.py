"""Crawl a page that cites cloud metadata endpoints, inside a private network namespace.

Started by tests/integration/test_ssrf.py as ``unshare -n sh -c "...; python -m
tests.servers.metadata_scenario OUT [ALLOWED_HOSTS]"`` after giving loopback the metadata
addresses 169.254.169.254 and fd00:ec2::254: a fake metadata service answers there, so a guard
that lets a request through is caught by what the service saw, and nothing can leave the
namespace. The crawl runs with ``--allow-private-addresses``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import citewarc_command, citewarc_env

REQUESTS: list[str] = []
CREDENTIALS = b'{"AccessKeyId": "ASIAMETADATAKEY", "SecretAccessKey": "metadata-secret"}'


def cited(port: int) -> list[str]:
    return [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/role",
        "http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/role",
        "http://metadata.test/computeMetadata/v1/instance/service-accounts/default/token",
        f"http://127.0.0.1:{port}/private-but-allowed.html",
    ]


def page(port: int) -> bytes:
    links = "".join(
        f'<p>The filing points to <a href="{u}">document number {i}</a>, which the agency put '
        f"online last spring, according to the officials who spoke to reporters.</p>\n"
        for i, u in enumerate(cited(port))
    )
    return (f"<html lang='en'><head><title>Filing</title></head><body><article><h1>Filing</h1>"
            f"{links}</article></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        REQUESTS.append(f"{self.headers.get('Host')}{self.path}")
        port = self.server.news_port  # type: ignore[attr-defined]
        body = page(port) if self.path == "/story.html" else (
            b"<html><body>ok</body></html>" if self.path.endswith(".html") else CREDENTIALS)
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path.endswith(".html") else
                         "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def serve(server: ThreadingHTTPServer, news_port: int) -> ThreadingHTTPServer:
    server.news_port = news_port  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(out: Path, allowed: str) -> None:
    news = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = news.server_address[1]
    servers = [serve(news, port), serve(ThreadingHTTPServer(("169.254.169.254", 80), Handler), port),
               serve(V6Server(("fd00:ec2::254", 80), Handler), port)]
    env = citewarc_env(out, {
        "CITEWARC_SETTINGS": "settings.test",
        "CITEWARC_ALLOWED_HOSTS": allowed,
        "CITEWARC_UPSTREAM_RESOLVER": "tests.servers.static_dns.StaticResolver",
        # IP literals pass through the resolver too (answered as themselves).
        "CITEWARC_TEST_DNS": json.dumps({"metadata.test": "169.254.169.254", "127.0.0.1": "127.0.0.1",
                                         "169.254.169.254": "169.254.169.254",
                                         "fd00:ec2::254": "fd00:ec2::254"}),
    })
    if not allowed:
        env.pop("CITEWARC_ALLOWED_HOSTS", None)
    result = subprocess.run(
        [*citewarc_command(), "archive", f"http://127.0.0.1:{port}/story.html",
         "--store", str(out / "store"), "--no-requisites", "--allow-private-addresses"],
        cwd=out, env=env, capture_output=True, text=True, timeout=120,
    )
    for server in servers:
        server.shutdown()
    (out / "result.json").write_text(json.dumps({
        "port": port, "returncode": result.returncode, "stdout": result.stdout,
        "stderr": result.stderr, "requests": REQUESTS, "cited": cited(port),
    }))


if __name__ == "__main__":
    os.environ.pop("http_proxy", None)
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "")
