"""On a terminal: a progress display while crawling and a one-screen summary at the end."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import citewarc_command, citewarc_env
from tests.servers.fixture_web import ARTICLE_PATH, ARTICLE_TITLE, FixtureWeb

pytestmark = pytest.mark.integration
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_on_terminal(args: list[str], workdir: Path, timeout: float = 120) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (stdout stays a pipe, as in `| tail -1`)."""
    master, slave = pty.openpty()
    env = citewarc_env(workdir) | {"COLUMNS": "160", "TERM": "xterm"}
    proc = subprocess.Popen([*citewarc_command(), *args], cwd=workdir, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stdout = proc.stdout.read().decode()
    code = proc.wait(timeout=30)
    return code, stdout, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_progress_and_summary_on_a_terminal(fixture_web: FixtureWeb, tmp_path: Path):
    store = tmp_path / "store"
    code, stdout, terminal = run_on_terminal(
        ["archive", fixture_web.url(ARTICLE_PATH), "--store", str(store)], tmp_path
    )
    assert code == 0, terminal
    crawl_id = stdout.strip().splitlines()[-1]
    assert stdout.strip() == crawl_id, "stdout carries only the crawl id"
    assert re.search(r"fetched \d+\s+queued \d+", terminal), "progress shows fetched and queued"
    assert ARTICLE_TITLE[:30] in terminal, "summary names the seed by its title"
    assert "404" in terminal and "301" in terminal, "summary shows citation statuses"
    assert "/sources/missing.html" in terminal
    assert f"Stored in {store}" in terminal and crawl_id in terminal
    assert re.search(r"Citations: \d+ live", terminal), "summary counts the citations' fates"
    assert "Unsigned" in terminal and "no trusted timestamp" in terminal
    assert "Traceback" not in terminal and "[scrapy" not in terminal
