"""Pages built by scripts, captured in headless Chromium (issue 11).

The fixture story (tests/servers/script_site.py) is a skeleton whose script fetches a JSON and
inserts the headline, text, a photo and three citations; an image far below the fold loads only
when scrolled into view. ``never`` archives the skeleton and no text; ``auto`` and ``always`` load
it in Chromium with every request sent through Scrapy, so the WARC holds the JSON as the server
sent it, both images, the rendered DOM and a full-page screenshot, and the text is the article's.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.browser.processes import descendants, is_chromium, is_driver, parent_pids, program
from tests.conftest import citewarc_command, citewarc_env
from tests.servers.fixture_web import FixtureWeb
from tests.servers.replay_browser import Tripwire
from tests.servers.script_site import (
    ANCHORS,
    HEADLINE,
    JSON_PATH,
    LAZY_PATH,
    NOSY_PATH,
    PARAGRAPHS,
    PHOTO_PATH,
    POSTER_BYTES,
    POSTER_PATH,
    SCRIPT_PATH,
    SLOW_JSON_PATH,
    SLOW_STORY_PATH,
    SOURCE_PATHS,
    STORY_PATH,
)
from tests.servers.site import PRIVATE_PATH
from tests.warc_files import assert_crawl_whole

pytestmark = pytest.mark.integration


@dataclass
class Crawl:
    mode: str
    workdir: Path
    store: Path
    crawl_id: str
    manifest: dict
    base: str

    def row(self, path: str) -> dict:
        rows = [r for r in self.manifest["pages"] if r["url"] == self.base + path]
        assert len(rows) == 1, (path, [r["url"] for r in self.manifest["pages"]])
        return rows[0]

    def text(self, path: str) -> dict:
        return json.loads((self.store / self.row(path)["text"]).read_text())

    def warc_records(self) -> list:
        out = []
        for warc in sorted((self.store / self.crawl_id / "warc").glob("*.warc.gz")):
            with open(warc, "rb") as fh:
                for record in ArchiveIterator(fh):
                    out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                record.rec_headers, record.content_stream().read(),
                                record.http_headers))
        return out


def archive(runner, tmp_path_factory, web: FixtureWeb, mode: str, *extra: str) -> Crawl:
    workdir = tmp_path_factory.mktemp(f"browser-{mode}")
    store = workdir / "store"
    done = runner(workdir, ["archive", web.base_url + STORY_PATH, "--store", store,
                            "--browser", mode, *extra])
    assert done.returncode == 0, done.stderr[-3000:]
    crawl_id = done.stdout.strip().splitlines()[-1]
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    return Crawl(mode, workdir, store, crawl_id, manifest, web.base_url)


@pytest.fixture(scope="module")
def crawls(citewarc_runner, tmp_path_factory, fixture_web) -> dict[str, Crawl]:
    found = {mode: archive(citewarc_runner, tmp_path_factory, fixture_web, mode)
             for mode in ("never", "auto", "always")}
    # never for the crawl, always for the fixture's host: the host's mode wins.
    found["host always"] = archive(citewarc_runner, tmp_path_factory, fixture_web, "never",
                                   "--browser-domain", "127.0.0.1=always")
    return found


def test_never_archives_the_skeleton_and_says_it_has_no_text(crawls) -> None:
    crawl = crawls["never"]
    seed = crawl.row(STORY_PATH)
    assert seed["status"] == 200 and seed["browser"] is None and seed["screenshot"] is None
    text = crawl.text(STORY_PATH)
    assert text["text"] == "" and text["capture"] == "static"
    assert text["extraction_note"].startswith("no main text found")
    assert HEADLINE not in json.dumps(text)
    urls = {r["url"] for r in crawl.manifest["pages"]}
    assert crawl.base + JSON_PATH not in urls and crawl.base + PHOTO_PATH not in urls
    assert not any(k["key"].endswith(".png") and "/screenshots/" in k["key"]
                   for k in crawl.manifest["files"])


@pytest.mark.parametrize("mode", ["auto", "always", "host always"])
def test_the_browser_archives_the_text_the_json_both_images_and_the_cited_pages(crawls, mode) -> None:
    crawl = crawls[mode]
    seed = crawl.row(STORY_PATH)
    assert seed["browser"] == "complete", seed
    text = crawl.text(STORY_PATH)
    assert text["capture"] == "browser" and text["browser"] == "complete"
    assert text["title"] == HEADLINE
    for paragraph in PARAGRAPHS:
        assert paragraph in text["text"]
    cited = {c["url"]: c["anchor"] for c in text["citations"]}
    assert cited == {crawl.base + p: a for p, a in zip(SOURCE_PATHS, ANCHORS, strict=True)}
    for path in (SCRIPT_PATH, JSON_PATH, PHOTO_PATH, LAZY_PATH):
        row = crawl.row(path)
        assert (row["role"], row["status"], row["error"]) == ("requisite", 200, None), row
        assert row["warc_record_id"]
    for path in SOURCE_PATHS:
        row = crawl.row(path)
        assert (row["role"], row["status"]) == ("citation", 200)
        source_text = crawl.text(path)
        # auto: a source with its text in the HTML needs no browser; always: every page gets one.
        assert source_text["capture"] == "static"
        assert (row["browser"] is not None) == (mode != "auto")
    assert_crawl_whole(crawl.store, crawl.crawl_id, crawl.workdir)


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_the_json_is_archived_as_the_server_sent_it(crawls, fixture_web, mode) -> None:
    crawl = crawls[mode]
    sent = fixture_web.sent[JSON_PATH]
    responses = [r for r in crawl.warc_records()
                 if r[0] == "response" and r[1] == crawl.base + JSON_PATH]
    assert len(responses) == 1
    _, _, warc_headers, payload, http = responses[0]
    # The record's payload is the body as received: still gzip, with its Content-Encoding.
    assert http.get_header("Content-Encoding") == "gzip"
    raw = _raw_payload(crawl, warc_headers.get_header("WARC-Record-ID"))
    assert raw == sent.raw_body
    assert payload == sent.payload  # warcio decodes it for the reader: the JSON's very bytes


def _raw_payload(crawl: Crawl, record_id: str) -> bytes:
    """The HTTP body of a response record without content decoding (warcio decodes by default)."""
    for warc in sorted((crawl.store / crawl.crawl_id / "warc").glob("*.warc.gz")):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh, no_record_parse=False):
                if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                    return record.raw_stream.read()
    raise AssertionError(record_id)


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_screenshot_is_a_full_height_png_listed_with_its_sha256(crawls, mode) -> None:
    crawl = crawls[mode]
    seed = crawl.row(STORY_PATH)
    key = seed["screenshot"]
    assert key == f"{crawl.crawl_id}/screenshots/{Path(seed['text']).stem}.png"
    png = (crawl.store / key).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    # The story is taller than the 900 px viewport: a 2,600 px gap above the lazy image.
    assert width == 1280 and height > 2600 + 100, (width, height)
    entry = next(f for f in crawl.manifest["files"] if f["key"] == key)
    assert entry["sha256"] == hashlib.sha256(png).hexdigest() and entry["bytes"] == len(png)
    resources = {r[1]: r for r in crawl.warc_records() if r[0] == "resource"}
    shot = resources[f"urn:screenshot:{crawl.base}{STORY_PATH}"]
    assert shot[2].get_header("Content-Type") == "image/png" and shot[3] == png
    assert shot[2].get_header("WARC-Concurrent-To") == seed["warc_record_id"]
    dom = resources[f"urn:dom:{crawl.base}{STORY_PATH}"][3].decode("utf-8")
    assert HEADLINE in dom and all(a in dom for a in ANCHORS)


def test_the_crawls_report_shows_the_story_as_the_browser_saw_it(crawls) -> None:
    """report.html, stored with the crawl, carries the story's screenshot itself (a data URI: the
    page makes no request), byte for byte the stored PNG."""
    import base64

    crawl = crawls["always"]
    png = (crawl.store / crawl.row(STORY_PATH)["screenshot"]).read_bytes()
    page = (crawl.store / crawl.crawl_id / "report.html").read_text(encoding="utf-8")
    assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in page


def test_no_requisites_keeps_what_builds_the_page_and_skips_what_decorates_it(
        tmp_path_factory, citewarc_runner, fixture_web) -> None:
    crawl = archive(citewarc_runner, tmp_path_factory, fixture_web, "always", "--no-requisites",
                    "--depth", "0")
    assert HEADLINE in crawl.text(STORY_PATH)["text"]
    urls = {r["url"].removeprefix(crawl.base) for r in crawl.manifest["pages"]}
    assert {SCRIPT_PATH, JSON_PATH} <= urls
    assert not urls & {PHOTO_PATH, LAZY_PATH}


def test_never_starts_no_browser_and_auto_loads_only_the_script_built_page(crawls) -> None:
    auto = crawls["auto"]
    loaded = [r["url"] for r in auto.manifest["pages"] if r["browser"] is not None]
    assert loaded == [auto.base + STORY_PATH]
    assert not [r for r in crawls["never"].manifest["pages"] if r["browser"] is not None]


# --- Never a zombie: a page that never settles, a browser killed mid-page -----------------------


def _browser_processes(root: int) -> set[int]:
    """Chromium and Playwright driver processes below ``root`` (read from /proc)."""
    return {pid for pid in descendants(root, parent_pids())
            if is_chromium(program(pid)) or is_driver(program(pid))}


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _start(workdir: Path, *args: str, env: dict[str, str] | None = None):
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([*citewarc_command(), *args], cwd=workdir, env=citewarc_env(workdir, env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def test_a_page_that_never_settles_is_cut_short_within_its_time_limit(tmp_path) -> None:
    with FixtureWeb() as web:
        hold = web.hold(SLOW_JSON_PATH, timeout=60)
        started = time.monotonic()
        proc = _start(tmp_path, "archive", web.base_url + SLOW_STORY_PATH, "--store", tmp_path / "store",
                      "--browser", "always", env={"CITEWARC_BROWSER_PAGE_TIMEOUT": "4"})
        try:
            out, err = proc.communicate(timeout=45)
        finally:
            hold.release()
            if proc.poll() is None:
                proc.kill()
        elapsed = time.monotonic() - started
    assert proc.returncode == 0, err[-3000:]
    assert hold.reached.is_set()
    crawl_id = out.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    rows = {r["url"].removeprefix(web.base_url): r for r in manifest["pages"]}
    seed = rows[SLOW_STORY_PATH]
    assert seed["browser"].startswith("cut short: page time limit (4 s) reached"), seed
    assert seed["screenshot"], "what the page showed when its time ran out is kept"
    held = rows[SLOW_JSON_PATH]
    assert held["status"] is None and "cancelled" in held["error"], held
    assert elapsed < 30, f"the page's time limit did not end it ({elapsed:.0f} s)"
    assert_crawl_whole(tmp_path / "store", crawl_id, tmp_path)


def test_chromium_killed_mid_page_ends_that_page_the_crawl_goes_on_and_nothing_survives(tmp_path) -> None:
    with FixtureWeb() as web:
        holds = [web.hold(SLOW_JSON_PATH, timeout=60), web.hold(JSON_PATH, timeout=60)]
        proc = _start(tmp_path, "archive", web.base_url + SLOW_STORY_PATH, web.base_url + STORY_PATH,
                      "--store", tmp_path / "store", "--browser", "always",
                      env={"CITEWARC_BROWSER_PAGES": "1"})
        seen: set[int] = set()
        try:
            deadline = time.monotonic() + 60
            while not any(h.reached.is_set() for h in holds):
                assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
                seen |= _browser_processes(proc.pid)
                time.sleep(0.05)
            seen |= _browser_processes(proc.pid)
            chromium = {pid for pid in seen if "chrom" in Path(f"/proc/{pid}/cmdline").read_bytes()
                        .split(b"\0", 1)[0].decode(errors="replace")}
            assert chromium, "no Chromium process found below citewarc"
            for pid in chromium:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for hold in holds:
                hold.release()
            while proc.poll() is None:  # a relaunched browser's processes too
                seen |= _browser_processes(proc.pid)
                time.sleep(0.05)
            out, err = proc.communicate(timeout=60)
        finally:
            for hold in holds:
                hold.release()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err[-3000:]
    time.sleep(0.5)
    assert not _alive(seen), f"browser processes outlived citewarc: {_alive(seen)}"
    crawl_id = out.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    rows = {r["url"].removeprefix(web.base_url): r for r in manifest["pages"]}
    outcomes = {path: rows[path]["browser"] for path in (SLOW_STORY_PATH, STORY_PATH)}
    failed = [p for p, o in outcomes.items() if o.startswith("failed")]
    assert len(failed) == 1, outcomes  # the page in the tab when Chromium died
    other = ({SLOW_STORY_PATH, STORY_PATH} - set(failed)).pop()
    assert outcomes[other] == "complete", outcomes  # the next page got a new browser
    assert_crawl_whole(tmp_path / "store", crawl_id, tmp_path)


def test_what_the_page_asks_for_goes_through_scrapy_or_nowhere(tmp_path, citewarc_runner) -> None:
    """Scrapy's middlewares bind the browser's requests: robots.txt, the private-address guard (on
    here, with only the fixture's own address allowed) and the size limit; a WebSocket, a
    preconnect and a DNS prefetch open no connection at all."""
    with FixtureWeb() as web:
        with socket.socket() as probe:  # a free port for the tripwires
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with Tripwire(port) as tripwire, Tripwire(port, "127.0.0.2") as internal:
            url = f"{web.base_url}{NOSY_PATH}?trip={port}"
            done = citewarc_runner(tmp_path, ["archive", url, "--store", tmp_path / "store",
                                              "--browser", "always", "--depth", "0"],
                                   env={"CITEWARC_ALLOW_PRIVATE_ADDRESSES": "0",
                                        "CITEWARC_ALLOWED_HOSTS": "127.0.0.1",
                                        "CITEWARC_MAX_BODY_SIZE": str(POSTER_BYTES // 3)})
            time.sleep(0.5)
        requested = web.requests_since(0)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tripwire.hits == [] and internal.hits == [], "the browser connected on its own"
    assert PRIVATE_PATH not in requested
    crawl_id = done.stdout.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    rows = {r["url"]: r for r in manifest["pages"]}
    assert rows[web.base_url + PRIVATE_PATH]["error"] == "forbidden by robots.txt"
    refused = rows[f"http://127.0.0.2:{port}/internal-admin"]
    assert refused["error"].startswith("refused: ") and refused["status"] is None, refused
    poster = rows[web.base_url + POSTER_PATH]
    assert (poster["status"], poster["truncated"]) == (200, "length"), poster
    assert poster["bytes"] <= POSTER_BYTES // 3
    assert rows[url]["browser"] == "complete"
    skipped = {s["url"]: s["reason"] for s in manifest["skipped"]}
    assert "WebSocket: not archived, never opened" in skipped[f"ws://127.0.0.1:{port}/live"]


def test_without_chromium_auto_falls_back_to_static_and_says_so_once(tmp_path, citewarc_runner,
                                                                     fixture_web) -> None:
    done = citewarc_runner(tmp_path, ["archive", fixture_web.base_url + STORY_PATH,
                                      "--store", tmp_path / "store", "--browser", "auto"],
                           env={"CITEWARC_BROWSER_EXECUTABLE": str(tmp_path / "no-chromium")})
    assert done.returncode == 0, done.stderr[-3000:]
    crawl_id = done.stdout.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    notes = [w for w in manifest["warnings"] if w.startswith("browser capture unavailable")]
    assert len(notes) == 1 and "does not exist" in notes[0] and "static only" in notes[0]
    assert all(r["browser"] is None for r in manifest["pages"])


def _hold_then(web: FixtureWeb, workdir: Path, then, *extra: str):
    """Archive the slow story with ``--browser always``; once its JSON is asked for (the page is in
    a tab), call ``then(proc)``, release the JSON; (process, stdout, stderr, browser pids seen)."""
    hold = web.hold(SLOW_JSON_PATH, timeout=60)
    proc = _start(workdir, "archive", web.base_url + SLOW_STORY_PATH, "--store", workdir / "store",
                  "--browser", "always", *extra)
    seen: set[int] = set()
    try:
        assert hold.reached.wait(60), proc.communicate()
        seen |= _browser_processes(proc.pid)
        then(proc)
        time.sleep(0.5)
        hold.release()
        out, err = proc.communicate(timeout=60)
    finally:
        hold.release()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc, out, err, seen


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_to_the_group_lets_the_page_in_the_browser_finish(tmp_path, signum) -> None:
    """Ctrl-C (or a supervisor's SIGTERM) reaches every process of the group: neither Playwright's
    driver nor the extraction workers may die of it, or the page in the tab would be recorded as
    failed (or without text) although nothing failed. The crawl stops as any stop does, and
    ``--resume`` completes it."""
    with FixtureWeb() as web:
        proc, out, err, seen = _hold_then(web, tmp_path, lambda p: os.killpg(p.pid, signum))
        assert proc.returncode == 7, err[-3000:]  # stopped before the end: resumable
        assert seen, "no browser process was running"
        crawl_id = err.split("crawl ", 1)[1].split()[0]
        resumed = subprocess.run([*citewarc_command(), "archive", "--resume", crawl_id, "--store",
                                  str(tmp_path / "store")], cwd=tmp_path, env=citewarc_env(tmp_path),
                                 capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    rows = {r["url"].removeprefix(web.base_url): r for r in manifest["pages"]}
    assert rows[SLOW_STORY_PATH]["browser"] == "complete"
    text = json.loads((tmp_path / "store" / rows[SLOW_STORY_PATH]["text"]).read_text())
    assert text["capture"] == "browser" and HEADLINE in text["text"]
    for path in SOURCE_PATHS:
        assert rows[path]["status"] == 200
    time.sleep(0.5)
    assert not _alive(seen)


def test_citewarc_killed_mid_page_takes_its_browser_with_it(tmp_path) -> None:
    """SIGKILL to citewarc alone: Playwright's driver sees its pipe close and ends Chromium; the
    extraction workers see their parent gone and leave."""
    with FixtureWeb() as web:
        proc, _, _, seen = _hold_then(web, tmp_path, lambda p: os.kill(p.pid, signal.SIGKILL))
    assert proc.returncode == -signal.SIGKILL
    assert seen
    deadline = time.monotonic() + 10
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(seen), f"browser processes outlived a killed citewarc: {_alive(seen)}"
    while _alive(_in_group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(_in_group(proc.pid)), "extraction workers outlived a killed citewarc"


def _in_group(pgid: int) -> set[int]:
    """Processes of process group ``pgid`` (citewarc's: its extraction workers and their helper)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                found.add(int(entry.name))
    return found
