"""`citewarc replay` as a user and a script see it: it serves, it stops cleanly, it fails in one line.

The CLI runs as a real subprocess against real pywb (from .venv-replay); stores are a local folder
or SeaweedFS.
"""

from __future__ import annotations

import html
import http.client
import re
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, ARTICLE_SENTENCES, FixtureWeb
from tests.servers.replay_server import (
    ReplayProcess,
    port_is_listening,
    wayback_processes,
    with_mode,
)
from tests.servers.seaweed import free_ports

pytestmark = pytest.mark.integration
QUICK = ["--depth", "0", "--no-requisites"]
REPLAY_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/citewarc/(\d{14})/(http://.+)$")


def archive(workdir: Path, url: str, store: str | Path, env: dict[str, str] | None = None) -> str:
    result = run_citewarc_in(workdir, ["archive", url, "--store", store, *QUICK], env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, html.unescape(resp.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def assert_one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("citewarc: error: "), lines[0]
    assert "Traceback" not in result.stderr
    assert not result.stdout.strip(), f"nothing on stdout on error, got {result.stdout!r}"
    return lines[0]


def listening_addresses(port: int) -> list[str]:
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[3] for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory, fixture_web: FixtureWeb) -> tuple[Path, Path, str]:
    """(workdir, store, crawl id): the seed alone, archived once for the module."""
    workdir = tmp_path_factory.mktemp("replay-cli")
    store = workdir / "store"
    return workdir, store, archive(workdir, fixture_web.url(ARTICLE_PATH), store)


def assert_serves_seed(replay: ReplayProcess, seed: str) -> None:
    assert len(replay.urls) == 1, replay.output()
    match = REPLAY_LINE.match(replay.urls[0])
    assert match, f"not a replay URL: {replay.urls[0]!r}"
    assert int(match.group(1)) == replay.port and match.group(3) == seed
    status, body = get(with_mode(replay.urls[0], "mp_"))
    assert status == 200 and ARTICLE_SENTENCES[0] in body, f"HTTP {status}\n{replay.output()}"


# ---- stopping ----------------------------------------------------------------------------------


def test_sigterm_stops_pywb_and_frees_the_port_even_with_a_client_connected(crawl, fixture_web):
    workdir, store, crawl_id = crawl
    replay = ReplayProcess(workdir, [crawl_id, "--store", str(store)]).start()
    try:
        assert_serves_seed(replay, fixture_web.url(ARTICLE_PATH))
        assert listening_addresses(replay.port) == [f"127.0.0.1:{replay.port}"], "loopback only"
        assert wayback_processes(replay.port), "pywb's wayback serves the port"
        # A browser keeps its connection open: the stop must not wait for it, nor leave the port held.
        client = http.client.HTTPConnection("127.0.0.1", replay.port, timeout=10)
        client.request("GET", urlsplit(with_mode(replay.urls[0], "id_")).path)
        assert client.getresponse().read()
    finally:
        replay.stop(signal.SIGTERM)
    client.close()
    assert "stopping replay" in "\n".join(replay.stderr_lines)

    # The same port is usable again at once, as after Ctrl-C and a re-run.
    with ReplayProcess(workdir, [crawl_id, "--store", str(store)], port=replay.port) as again:
        assert_serves_seed(again, fixture_web.url(ARTICLE_PATH))


def test_ctrl_c_on_the_process_group_stops_cleanly(crawl, fixture_web):
    workdir, store, crawl_id = crawl
    replay = ReplayProcess(workdir, [crawl_id, "--store", str(store)], own_group=True).start()
    try:
        assert_serves_seed(replay, fixture_web.url(ARTICLE_PATH))
    finally:
        replay.stop(signal.SIGINT)  # asserts exit 0, port free, no wayback left
    assert not any("Traceback" in line for line in replay.stderr_lines), replay.output()


# ---- errors ------------------------------------------------------------------------------------


def test_port_in_use_exits_2_in_one_line(crawl):
    workdir, store, crawl_id = crawl
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_citewarc_in(workdir, ["replay", crawl_id, "--store", store, "--port", port],
                                 timeout=60)
        assert result.returncode == 2, result.stderr
        line = assert_one_error_line(result)
        assert str(port) in line and "--port" in line, line
        assert not wayback_processes(port), "no pywb started"


def test_unknown_crawl_id_exits_2_in_one_line(crawl):
    workdir, store, _ = crawl
    port = free_ports(1)[0]
    result = run_citewarc_in(workdir, ["replay", "20200101T000000Z-no-such-crawl", "--store", store,
                                       "--port", port], timeout=60)
    assert result.returncode == 2, result.stderr
    assert "20200101T000000Z-no-such-crawl" in assert_one_error_line(result)
    assert not port_is_listening("127.0.0.1", port) and not wayback_processes(port)


@pytest.mark.parametrize("bad", ["not-a-crawl-id", "../20200101T000000Z-x", "20200101-x"])
def test_not_a_crawl_id_exits_2_in_one_line(crawl, bad):
    workdir, store, _ = crawl
    result = run_citewarc_in(workdir, ["replay", bad, "--store", store, "--port", free_ports(1)[0]],
                             timeout=60)
    assert result.returncode == 2, result.stderr
    assert "not a crawl id" in assert_one_error_line(result)


# ---- stores and several crawls -----------------------------------------------------------------


def test_replay_from_s3(fixture_web, s3_server, s3_bucket, tmp_path):
    store = f"s3://{s3_bucket}/p"
    crawl_id = archive(tmp_path, fixture_web.url(ARTICLE_PATH), store, env=s3_server.env())
    with ReplayProcess(tmp_path, [crawl_id, "--store", store], env=s3_server.env()) as replay:
        assert_serves_seed(replay, fixture_web.url(ARTICLE_PATH))


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory, fixture_web) -> Iterator[tuple[Path, Path, list[str]]]:
    workdir = tmp_path_factory.mktemp("replay-two")
    store = workdir / "store"
    ids = [archive(workdir, fixture_web.url(ARTICLE_PATH), store) for _ in range(2)]
    assert ids[0] != ids[1]
    yield workdir, store, ids


def timemap_mementos(base_url: str, url: str) -> list[str]:
    status, body = get(f"{base_url}/citewarc/timemap/link/{url}")
    assert status == 200, body
    return re.findall(r'<[^>]*/citewarc/(\d{14})[a-z_]*/[^>]*>; rel="[^"]*memento"', body)


def test_two_crawls_of_one_url_show_as_two_mementos(two_crawls, fixture_web):
    workdir, store, ids = two_crawls
    seed = fixture_web.url(ARTICLE_PATH)
    with ReplayProcess(workdir, [*ids, "--store", str(store)]) as replay:
        lines = [REPLAY_LINE.match(u) for u in replay.urls]
        assert len(lines) == 2 and all(lines), replay.output()
        stamps = sorted(m.group(2) for m in lines)
        assert stamps[0] != stamps[1] and all(m.group(3) == seed for m in lines)
        assert sorted(timemap_mementos(replay.base_url, seed)) == stamps
        for stamp in stamps:
            status, body = get(replay.memento(stamp, seed, "mp_"))
            assert status == 200 and ARTICLE_SENTENCES[0] in body, stamp


def test_without_crawl_ids_every_complete_crawl_is_replayed(two_crawls, fixture_web):
    workdir, store, ids = two_crawls
    with ReplayProcess(workdir, ["--store", str(store)]) as replay:
        assert len(replay.urls) == 2, replay.output()
        assert len(timemap_mementos(replay.base_url, fixture_web.url(ARTICLE_PATH))) == 2
