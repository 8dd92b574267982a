"""Exit codes are one contract: every command answers a store outage with 4 and a bad store URI
with 2, in one ``citewarc: error:`` line; and no worker process outlives the command.

The outage is an S3 endpoint on a closed loopback port (connection refused at once); nothing here
leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from pipelines.spool import store_slug
from tests.conftest import citewarc_command, citewarc_env
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb

pytestmark = pytest.mark.integration

STORE = "s3://evidence/cases"
CRAWL_ID = "20260101T000000Z-story"
BAD_STORE_URIS = ["ftp://archive.example/x", "s3://user:secret@bucket/x"]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command_args(command: str, web: FixtureWeb, tmp_path: Path, store: str) -> list[str]:
    """Arguments that take ``command`` as far as its store."""
    if command in ("crawl", "cron"):
        job = tmp_path / "job.yaml"
        job.write_text(f"name: exit-codes\nseeds:\n  urls: [{web.url(ARTICLE_PATH)}]\n"
                       "depth: 0\nrequisites: false\n")
        extra = ["--every", "6h"] if command == "cron" else []
        return [command, str(job), *extra, "--store", store]
    return {
        "archive": ["archive", web.url(ARTICLE_PATH), "--depth", "0", "--no-requisites"],
        "list": ["list"],
        "history": ["history", web.url(ARTICLE_PATH)],
        "replay": ["replay", "--port", str(closed_port())],
        "verify": ["verify", CRAWL_ID],
        "share": ["share", CRAWL_ID],
        "report": ["report", CRAWL_ID],
        "push": ["push"],
    }[command] + ["--store", store]


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def spool_a_finished_crawl(spool: Path) -> None:
    """What an earlier crawl left in the spool when the store was down: `push` has work to do."""
    folder = spool / store_slug(STORE) / CRAWL_ID
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"crawl_id": CRAWL_ID, "files": []}))


@pytest.mark.parametrize("command", ["archive", "crawl", "push", "replay", "list", "history",
                                     "verify", "share", "report"])
def test_store_outage_is_exit_4(fixture_web, tmp_path: Path, command):
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}", "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test-secret", "CITEWARC_UPLOAD_RETRY_BUDGET": "1"}
    if command == "push":
        spool_a_finished_crawl(tmp_path / "spool")
    result = subprocess.run([*citewarc_command(),
                             *command_args(command, fixture_web, tmp_path, STORE)],
                            cwd=tmp_path, env=citewarc_env(tmp_path, env), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=180)
    assert result.returncode == 4, result.stderr
    assert "test-secret" not in one_error_line(result.stderr)


@pytest.mark.parametrize("store", BAD_STORE_URIS)
@pytest.mark.parametrize("command", ["archive", "crawl", "cron", "push", "replay", "list",
                                     "history", "verify", "share", "report"])
def test_bad_store_uri_is_exit_2(fixture_web, tmp_path: Path, command, store):
    result = subprocess.run([*citewarc_command(),
                             *command_args(command, fixture_web, tmp_path, store)],
                            cwd=tmp_path, env=citewarc_env(tmp_path), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert "secret" not in line, "a password in a store URI is never echoed"


def processes_of_session(sid: int) -> list[str]:
    """Processes whose session or process group is ``sid`` (zombies included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        if sid in (int(fields[2]), int(fields[3])):  # pgrp, session
            found.append(f"{entry.name} [{fields[0]}] {cmdline[:200]}")
    return found


def test_archive_leaves_no_process_behind(fixture_web, tmp_path: Path):
    """Extraction workers and multiprocessing's helpers are gone when `archive` returns."""
    crawl = subprocess.Popen(
        [*citewarc_command(), "archive", fixture_web.url(ARTICLE_PATH), "--store",
         str(tmp_path / "store"), "--no-requisites"],
        cwd=tmp_path, env=citewarc_env(tmp_path), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    _, stderr = crawl.communicate(timeout=180)
    assert crawl.returncode == 0, stderr
    assert processes_of_session(crawl.pid) == []
