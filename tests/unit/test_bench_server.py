"""The bench's corpus server answers any host as a proxy, gzips as the corpus says, adds latency."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.corpus import page_spec, render_page

SERVER = Path(__file__).resolve().parents[2] / "bench" / "server.py"


def test_server_serves_the_corpus_through_proxy_requests():
    proc = subprocess.Popen([sys.executable, str(SERVER), "--pages", "12"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split()[1])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        spec = next(page_spec(i, 12) for i in range(12) if page_spec(i, 12).gzip)
        request = urllib.request.Request(spec.url, headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=10) as answer:
            assert answer.headers["Content-Encoding"] == "gzip"
            assert answer.headers["Content-Type"] == spec.content_type
            assert gzip.decompress(answer.read()) == render_page(spec, 12).body
        with opener.open(f"http://{spec.host}/robots.txt", timeout=10) as answer:
            assert b"Allow: /" in answer.read()
        opener.open("http://bench.control/latency?ms=300", timeout=10).read()
        start = time.perf_counter()
        opener.open(page_spec(1, 12).url, timeout=10).read()
        assert time.perf_counter() - start >= 0.3
        stats = json.loads(opener.open("http://bench.control/cpu", timeout=10).read())
        assert stats["requests"] == 3 and stats["cpu_seconds"] > 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_host_load_counts_what_one_site_sees():
    from bench.server import HostLoad

    load = HostLoad()
    load.start("a.test", 10.1)
    load.start("a.test", 10.5)
    load.start("b.test", 10.6)
    load.end("a.test")
    load.start("a.test", 11.2)  # a new second, two in flight again
    assert load.summary() == {"requests": 4, "hosts": 2, "max_in_flight_per_host": 2,
                              "max_requests_per_host_second": 2}
    load.reset()
    assert load.summary()["requests"] == 0


def test_server_reports_concurrent_requests_to_one_host():
    from concurrent.futures import ThreadPoolExecutor

    proc = subprocess.Popen([sys.executable, str(SERVER), "--pages", "12", "--latency-ms", "300"],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split()[1])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        spec = page_spec(0, 12)
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda _: opener.open(spec.url, timeout=10).read(), range(3)))
        load = json.loads(opener.open("http://bench.control/hosts?reset=1", timeout=10).read())
        assert load["max_in_flight_per_host"] == 3 and load["requests"] == 3
        assert json.loads(opener.open("http://bench.control/hosts", timeout=10).read())["requests"] == 0
    finally:
        proc.terminate()
        proc.wait(10)
