"""Run a crawl of a hostile page inside a private network namespace and report what happened.

Started by tests/integration/test_ssrf.py as ``unshare -n sh -c "ip link set lo up; python -m
tests.servers.ssrf_scenario OUT"``: inside the namespace only loopback exists, so even a broken
guard cannot send a packet anywhere else. The page is served from 127.0.0.1 but crawled as
``news.test`` (the test DNS maps it there and the job allows that one host); everything it cites is
private in some spelling and must be refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import citewarc_command, citewarc_env

REQUESTS: list[str] = []


def page(port: int) -> bytes:
    cites = [
        f"http://127.0.0.1:{port}/secret/loopback",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{port}/secret/ipv6",
        f"http://internal.test:{port}/secret/resolved-private",
        f"http://2130706433:{port}/secret/decimal",
        f"http://news.test:{port}/redirect-to-private",
    ]
    links = "".join(
        f'<p>The report cites <a href="{u}">source number {i}</a>, which the ministry published '
        f"on its website in the spring, according to officials who spoke to reporters.</p>\n"
        for i, u in enumerate(cites)
    )
    return (f"<html lang='en'><head><title>Leaked memo</title></head><body><article>"
            f"<h1>Leaked memo</h1>{links}</article></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        REQUESTS.append(f"{self.headers.get('Host')}{self.path}")
        port = self.server.server_address[1]
        if self.path == "/story.html":
            body, status, extra = page(port), 200, []
        elif self.path == "/redirect-to-private":
            body, status = b"", 302
            extra = [("Location", f"http://127.0.0.1:{port}/secret/redirect")]
        else:
            body, status, extra = b"secret", 200, []
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def main(out: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = citewarc_env(out, {
        "CITEWARC_SETTINGS": "settings.test",
        "CITEWARC_ALLOW_PRIVATE_ADDRESSES": "0",
        "CITEWARC_ALLOWED_HOSTS": "news.test",
        "CITEWARC_UPSTREAM_RESOLVER": "tests.servers.static_dns.StaticResolver",
        "CITEWARC_TEST_DNS": json.dumps({"news.test": "127.0.0.1", "internal.test": "10.0.0.1"}),
    })
    result = subprocess.run(
        [*citewarc_command(), "archive", f"http://news.test:{port}/story.html",
         "--store", str(out / "store"), "--no-requisites"],
        cwd=out, env=env, capture_output=True, text=True, timeout=120,
    )
    server.shutdown()
    (out / "result.json").write_text(json.dumps({
        "port": port, "returncode": result.returncode, "stdout": result.stdout,
        "stderr": result.stderr, "requests": REQUESTS,
    }))


if __name__ == "__main__":
    os.environ.pop("http_proxy", None)
    main(Path(sys.argv[1]))
