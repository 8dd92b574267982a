"""The benchmark's web: one asyncio process answering for every host of the corpus.

It is an HTTP proxy for absolute-form requests (``GET http://host/path``), so hundreds of host
names work without DNS (citewarc, Scrapy and wget all honour ``http_proxy``), and an origin server
for origin-form requests (the Host header names the page). Pages go gzipped when the corpus says
so and the client accepts it; ``/robots.txt`` allows everything. Each response waits
``latency`` seconds first (the real-web profile), on the event loop, not in a thread per request.

Control requests on the host ``bench.control``: ``/latency?ms=N`` sets the latency, ``/cpu``
returns this process's CPU seconds (so the bench can show the server was never the bottleneck),
``/requests`` the number of page requests answered, ``/hosts`` the per-host load since the last
``/hosts?reset=1`` (the most requests one host had in flight at once, and the most it was sent in
any one second: what politeness settings promise a site).

With ``--assets`` (bench/browser.py) the pages' images, styles, scripts and fonts answer too: the
corpus names them ``https://*.cdn.test/...``, which no proxy of plain HTTP can serve and no DNS
resolves (a browser would spend its page time on retries), so the pages are served with those
links as ``http://`` and every ``*.cdn.test`` path answers a small body of its type.

    python bench/server.py --pages 1000 [--seed 10] [--latency-ms 0] [--port 0] [--assets]

prints ``ready <port>`` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import struct
import sys
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import DEFAULT_SEED, Page, page_spec, render_page, wire_body  # noqa: E402

CONTROL_HOST = "bench.control"
ROBOTS = b"User-agent: *\nAllow: /\n"
ASSET_HOSTS = re.compile(rb"https://([a-z0-9-]+\.cdn\.test)")


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes((90, 120, 150)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def asset(path: str) -> tuple[str, bytes]:
    """(content type, body) of a corpus asset: small, of the type its name says."""
    if path.endswith(".css"):
        return "text/css", b"body{font-family:sans-serif;margin:0}" + b".x{color:#333}" * 200
    if path.endswith(".woff2"):
        return "font/woff2", b"wOF2" + bytes(2000)
    if path.endswith(".jpg") or path.endswith(".png"):
        return "image/png", _png(120, 80)
    if "/js" in path or path.endswith(".js"):
        return "application/javascript", b"window.dataLayer=window.dataLayer||[];" * 50
    return "application/octet-stream", b""


class CorpusSite:
    """The corpus by (host, path), each distinct body rendered and compressed once, on first ask."""

    def __init__(self, pages: int, seed: int, assets: bool = False) -> None:
        self.pages, self.seed, self.assets = pages, seed, assets
        self.index = {}
        for i in range(pages):
            spec = page_spec(i, pages, seed)
            self.index[(spec.host, spec.path)] = spec
        self._bodies: dict[tuple[int, bool], tuple[bytes, str | None]] = {}

    def warm(self) -> None:
        """Render every distinct body now, so no request pays for rendering (all clients send gzip)."""
        seen = set()
        for spec in self.index.values():
            if spec.variant not in seen:
                seen.add(spec.variant)
                self.answer(spec.host, spec.path, True)

    def answer(self, host: str, path: str, accepts_gzip: bool) -> tuple[int, str, bytes, str | None]:
        """(status, content type, body on the wire, content encoding)."""
        if path == "/robots.txt":
            return 200, "text/plain", ROBOTS, None
        if self.assets and host.endswith(".cdn.test"):
            return 200, *asset(path), None
        spec = self.index.get((host, path))
        if spec is None:
            return 404, "text/html", b"<html><body><h1>Not found</h1></body></html>", None
        key = (spec.variant, accepts_gzip)
        if key not in self._bodies:
            body = render_page(spec, self.pages, self.seed).body
            if self.assets:
                body = ASSET_HOSTS.sub(rb"http://\1", body)
            self._bodies[key] = wire_body(Page(spec, body), accepts_gzip)
        body, encoding = self._bodies[key]
        return 200, spec.content_type, body, encoding


class HostLoad:
    """Per-host load as a site would see it: requests in flight at once, and per second."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.in_flight: dict[str, int] = {}
        self.max_in_flight = 0
        self.per_second: dict[tuple[str, int], int] = {}
        self.requests = 0

    def start(self, host: str, now: float) -> None:
        self.requests += 1
        self.in_flight[host] = self.in_flight.get(host, 0) + 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight[host])
        second = (host, int(now))
        self.per_second[second] = self.per_second.get(second, 0) + 1

    def end(self, host: str) -> None:
        self.in_flight[host] -= 1

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "hosts": len(self.in_flight),
            "max_in_flight_per_host": self.max_in_flight,
            "max_requests_per_host_second": max(self.per_second.values(), default=0),
        }


class BenchServer:
    def __init__(self, site: CorpusSite, latency: float) -> None:
        self.site, self.latency, self.answered = site, latency, 0
        self.load = HostLoad()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                keep_alive = await self._respond(head, writer)
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _respond(self, head: bytes, writer: asyncio.StreamWriter) -> bool:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = urlsplit(target)
        host = (parts.hostname or headers.get("host", "").split(":")[0]).lower()
        path = parts.path or "/"
        if host == CONTROL_HOST:
            status, ctype, body, encoding = 200, "application/json", self._control(path, parts.query), None
        else:
            self.load.start(host, asyncio.get_running_loop().time())
            try:
                if self.latency:
                    await asyncio.sleep(self.latency)
                accepts = "gzip" in headers.get("accept-encoding", "")
                status, ctype, body, encoding = self.site.answer(host, path, accepts)
            finally:
                self.load.end(host)
            self.answered += 1
        connection = headers.get("proxy-connection", headers.get("connection", "")).lower()
        keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
        out = [
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}",
            f"Content-Type: {ctype}",
            f"Content-Length: {len(body)}",
            f"Connection: {'keep-alive' if keep_alive else 'close'}",
        ]
        if encoding:
            out.append(f"Content-Encoding: {encoding}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else body))
        await writer.drain()
        return keep_alive

    def _control(self, path: str, query: str) -> bytes:
        if path == "/hosts":
            summary = self.load.summary()
            if parse_qs(query).get("reset"):
                self.load.reset()
            return json.dumps(summary).encode()
        if path == "/latency":
            self.latency = float(parse_qs(query).get("ms", ["0"])[0]) / 1000
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return json.dumps(
            {
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "latency_ms": self.latency * 1000,
                "requests": self.answered,
                "maxrss_kb": usage.ru_maxrss,
            }
        ).encode()


async def serve(pages: int, seed: int, latency: float, port: int, assets: bool = False) -> None:
    site = CorpusSite(pages, seed, assets)
    site.warm()
    bench = BenchServer(site, latency)
    server = await asyncio.start_server(bench.handle, "127.0.0.1", port, backlog=1024, limit=1 << 20)
    print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--assets", action="store_true", help="serve the pages' assets (see above)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.pages, args.seed, args.latency_ms / 1000, args.port, args.assets))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
