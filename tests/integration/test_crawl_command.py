"""`citewarc crawl JOBFILE` and `citewarc cron JOBFILE` as cron runs them: real subprocesses
against the fixture web (and a slow server of our own for the lock)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from crawler.jobs.file import load_job
from tests.conftest import REPO_ROOT, citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.slow_server import SlowServer

pytestmark = pytest.mark.integration

CRAWL_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9-]+$")
EXAMPLE_JOB = REPO_ROOT / "examples" / "job.yaml"
FAST = {"politeness": {"delay": 0, "timeout": 15, "retries": 0}}


def write_job(folder: Path, name: str, urls=(), feeds=(), sitemaps=(), **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    job = {"name": name, "seeds": {"urls": list(urls), "feeds": list(feeds),
                                   "sitemaps": list(sitemaps)}, **FAST, **fields}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(job), encoding="utf-8")
    return path


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return (f"\n--- exit {proc.returncode}\n--- stdout:\n{proc.stdout[-1500:]}"
            f"\n--- stderr:\n{proc.stderr[-3000:]}")


def crawl_id_of(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stdout.strip().splitlines()
    assert lines, f"nothing on stdout{describe(proc)}"
    assert CRAWL_ID_RE.match(lines[-1]), f"last stdout line is not a crawl id{describe(proc)}"
    return lines[-1]


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one error line{describe(proc)}"
    assert lines[0].startswith("citewarc: error: "), lines[0]
    return lines[0]


# =============================================================================================
# A job run as cron would: the fixture article, depth 0
# =============================================================================================


@pytest.fixture(scope="module")
def job_run(fixture_web: FixtureWeb, tmp_path_factory):
    """The job file lives in jobs/ with a relative store and log_file; the run starts elsewhere."""
    root = tmp_path_factory.mktemp("crawl-job")
    job = write_job(root / "jobs", "fixture-news", urls=[fixture_web.url(ARTICLE_PATH)], depth=0,
                    store="store", log_file="logs/{job}/{crawl_id}.log")
    proc = run_citewarc_in(root / "elsewhere", ["crawl", job])
    return root, proc


def test_job_run_exits_zero_quietly(job_run):
    _, proc = job_run
    assert proc.returncode == 0, describe(proc)
    assert proc.stderr == "", "under cron nothing but errors goes to stderr"
    assert proc.stdout.strip() == crawl_id_of(proc), "stdout carries only the crawl id"


def test_crawl_id_slug_is_the_job_name(job_run):
    _, proc = job_run
    assert crawl_id_of(proc).split("Z-", 1)[1] == "fixture-news"


def test_relative_store_is_beside_the_job_file(job_run, fixture_web):
    root, proc = job_run
    cid = crawl_id_of(proc)
    manifest = json.loads((root / "jobs" / "store" / cid / "manifest.json").read_text())
    assert manifest["crawl_id"] == cid
    assert manifest["seeds"] == [fixture_web.url(ARTICLE_PATH)]
    seed = next(p for p in manifest["pages"] if p["url"] == fixture_web.url(ARTICLE_PATH))
    assert seed["role"] == "seed" and seed["status"] == 200 and seed["error"] is None
    assert not (root / "elsewhere" / "archive").exists(), "nothing in the cwd's ./archive"


def test_log_file_where_the_job_says(job_run):
    root, proc = job_run
    cid = crawl_id_of(proc)
    log = root / "jobs" / "logs" / "fixture-news" / f"{cid}.log"
    assert log.is_file(), sorted(str(p) for p in root.rglob("*.log"))
    text = log.read_text(encoding="utf-8")
    assert "Job 'fixture-news'" in text and cid in text
    assert "Spider closed" in text or "spider_closed" in text or "Closing spider" in text


def test_default_log_file_is_per_job_in_the_cache(fixture_web, tmp_path):
    job = write_job(tmp_path / "jobs", "cache-log", urls=[fixture_web.url(ARTICLE_PATH)], depth=0,
                    requisites=False)
    proc = run_citewarc_in(tmp_path, ["crawl", job])
    assert proc.returncode == 0, describe(proc)
    cid = crawl_id_of(proc)
    # citewarc_env: XDG_CACHE_HOME=<workdir>/home/.cache
    log = tmp_path / "home" / ".cache" / "citewarc" / "logs" / "cache-log" / f"{cid}.log"
    assert log.is_file(), sorted(str(p) for p in tmp_path.rglob("*.log"))
    assert (tmp_path / "archive" / cid / "manifest.json").is_file(), "default store ./archive"


# =============================================================================================
# Precedence: --store > $CITEWARC_STORE > the job's store > ./archive (the log file likewise)
# =============================================================================================


@pytest.mark.parametrize(
    ("cli", "env", "expected_store", "expected_log"),
    [
        (True, True, "cli-store", "cli.log"),
        (False, True, "env-store", "env.log"),
        (False, False, "jobs/job-store", "jobs/job.log"),
    ],
    ids=["cli-wins", "env-beats-job", "job"],
)
def test_store_and_log_precedence(fixture_web, tmp_path, cli, env, expected_store, expected_log):
    job = write_job(tmp_path / "jobs", "precedence", urls=[fixture_web.url(ARTICLE_PATH)], depth=0,
                    requisites=False, store="job-store", log_file="job.log")
    args = ["crawl", job]
    if cli:
        args += ["--store", tmp_path / "cli-store", "--log-file", tmp_path / "cli.log"]
    extra = {"CITEWARC_STORE": str(tmp_path / "env-store"),
             "CITEWARC_LOG_FILE": str(tmp_path / "env.log")} if env else None
    proc = run_citewarc_in(tmp_path, args, env=extra)
    assert proc.returncode == 0, describe(proc)
    cid = crawl_id_of(proc)
    stores = sorted(p.parent.parent.relative_to(tmp_path).as_posix()
                    for p in tmp_path.rglob(f"{cid}/manifest.json") if "spool" not in p.parts)
    assert stores == [expected_store]
    assert (tmp_path / expected_log).is_file()


# =============================================================================================
# Bad job files: exit 2, one line naming the field
# =============================================================================================


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("name: Bad Name\nseeds: {urls: [http://example.com/a]}\n", "name"),
        ("name: ok\nseeds:\n  feeds: [http://example.com/rss, 'ftp://example.com/x']\n",
         "seeds.feeds[1]"),
        ("name: ok\nseeds: {urls: [http://example.com/a]}\ndepht: 2\n", "depht"),
        ("name: ok\nseeds: {urls: [http://example.com/a]}\ndepth: -1\n", "depth"),
        ("name: ok\nseeds: {}\n", "seeds"),
        ("name: ok\nseeds: [unclosed\n", "not valid YAML"),
    ],
    ids=["name", "feed-url", "unknown-key", "negative-depth", "no-seeds", "yaml-syntax"],
)
def test_bad_job_file_exits_2_naming_the_field(tmp_path, content, named):
    job = tmp_path / "bad.yaml"
    job.write_text(content, encoding="utf-8")
    proc = run_citewarc_in(tmp_path, ["crawl", job])
    assert proc.returncode == 2, describe(proc)
    line = one_error_line(proc)
    assert named in line and str(job) in line, line
    assert proc.stdout == ""
    assert not (tmp_path / "archive").exists()


def test_missing_job_file_exits_2(tmp_path):
    proc = run_citewarc_in(tmp_path, ["crawl", tmp_path / "nope.yaml"])
    assert proc.returncode == 2, describe(proc)
    assert "cannot read job file" in one_error_line(proc)


# =============================================================================================
# Feeds with nothing new; feeds that cannot be read
# =============================================================================================


@pytest.fixture(scope="module")
def slow_server():
    with SlowServer() as server:
        server.release()  # nothing held unless a test asks (the lock test uses its own)
        yield server


def test_feed_with_nothing_new_is_a_success(slow_server, tmp_path):
    job = write_job(tmp_path, "quiet-feed", feeds=[slow_server.url("/feed.xml")])
    proc = run_citewarc_in(tmp_path, ["crawl", job, "--log-file", tmp_path / "run.log"])
    assert proc.returncode == 0, describe(proc)
    assert proc.stderr == ""
    cid = crawl_id_of(proc)
    manifest = json.loads((tmp_path / "archive" / cid / "manifest.json").read_text())
    assert manifest["seeds"] == []
    assert [p["role"] for p in manifest["pages"]] == ["feed"]
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "Nothing new" in log and "older than 7 days" in log


def test_unreadable_feed_exits_3(slow_server, tmp_path):
    job = write_job(tmp_path, "dead-feed", feeds=[slow_server.url("/gone.xml")])
    proc = run_citewarc_in(tmp_path, ["crawl", job])
    assert proc.returncode == 3, describe(proc)
    line = one_error_line(proc)
    assert "/gone.xml" in line and "HTTP 404" in line, line
    crawl_id_of(proc)  # the attempt is still recorded, its id on stdout


# =============================================================================================
# The lock: one run per job name and store
# =============================================================================================


def test_second_run_of_a_job_exits_5_while_the_first_runs(tmp_path):
    with SlowServer(hold=60) as slow:
        job = write_job(tmp_path / "jobs", "slow-job", urls=[slow.url("/slow.html")], depth=0,
                        requisites=False)
        store = tmp_path / "store"
        first = subprocess.Popen(
            [*citewarc_command(), "crawl", str(job), "--store", str(store)], cwd=tmp_path,
            env=citewarc_env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            assert slow.wait_for("/slow.html", timeout=60), "the first run never fetched its seed"

            started = time.monotonic()
            second = run_citewarc_in(tmp_path, ["crawl", job, "--store", store], timeout=30)
            took = time.monotonic() - started
            assert second.returncode == 5, describe(second)
            line = one_error_line(second)
            assert line.startswith("citewarc: error: another run of job 'slow-job' is still going "
                                   "(lock: "), line
            lock = Path(line.split("(lock: ", 1)[1].rstrip(")"))
            assert lock.is_absolute() and lock.name.endswith("-slow-job.lock"), lock
            assert second.stdout == ""
            # "At once": it gives up while the first run still waits on its seed, without a crawl
            # of its own; the bound only allows for interpreter start-up on a loaded 2-core CI.
            assert took < 15, f"the second run took {took:.1f} s to give up"
            assert first.poll() is None, "the first run should still be waiting for its seed"

            # Not blocked: another job in the same store, the same job in another store.
            other = write_job(tmp_path / "jobs", "other-job", urls=[slow.url("/fast.html")],
                              depth=0, requisites=False)
            fast = write_job(tmp_path / "fast", "slow-job", urls=[slow.url("/fast.html")],
                             depth=0, requisites=False)
            by_name = run_citewarc_in(tmp_path, ["crawl", other, "--store", store], timeout=60)
            by_store = run_citewarc_in(tmp_path, ["crawl", fast, "--store", tmp_path / "store2"],
                                       timeout=60)
            assert by_name.returncode == 0, describe(by_name)
            assert by_store.returncode == 0, describe(by_store)
            assert first.poll() is None, "the first run should still be going"
        finally:
            slow.release()
            out, err = first.communicate(timeout=120)
        assert first.returncode == 0, f"first run: exit {first.returncode}\n{err[-3000:]}"
        assert err == ""
        cid = out.strip().splitlines()[-1]
        assert (store / cid / "manifest.json").is_file()

        # The lock went with the first run: the job runs again.
        again = run_citewarc_in(tmp_path, ["crawl", job, "--store", store], timeout=60)
        assert again.returncode == 0, describe(again)


# =============================================================================================
# citewarc cron
# =============================================================================================


def test_cron_line_for_the_example_job(tmp_path):
    proc = run_citewarc_in(tmp_path, ["cron", EXAMPLE_JOB, "--every", "6h"])
    assert proc.returncode == 0, describe(proc)
    assert proc.stderr == ""
    comment, line = proc.stdout.strip().splitlines()
    job = load_job(EXAMPLE_JOB)
    home = tmp_path / "home"
    cache = home / ".cache" / "citewarc"
    assert comment.startswith(f"# citewarc job '{job.name}' every 6h")
    assert f"store {home / 'citewarc-archive'}" in comment, "the job's ~ is the user's home"
    assert str(cache / "locks") in comment and f"-{job.name}.lock" in comment
    assert str(cache / "logs" / job.name / "{crawl_id}.log") in comment

    words = shlex.split(line)
    minute, hours = words[0], words[1]
    assert 0 <= int(minute) < 60
    assert len(hours.split(",")) == 4 and words[2:5] == ["*", "*", "*"]
    rest = words[5:]
    env = [w for w in rest if re.match(r"^[A-Z_]+=", w)]
    assert {w.split("=", 1)[0] for w in env} >= {"XDG_CACHE_HOME", "CITEWARC_SPOOL"}, \
        "what decides where the run goes is carried into cron's bare environment"
    command = rest[len(env):]
    assert Path(command[0]).is_absolute() and Path(command[0]).exists(), command[0]
    assert command[command.index("crawl") + 1] == str(EXAMPLE_JOB)
    assert "--store" not in command, "the job names its store; nothing to pin"
    assert command[-3:] == [">>", str(cache / "logs" / job.name / "cron.log"), "2>&1"]
    assert (cache / "logs" / job.name).is_dir(), "the cron log's folder exists before cron needs it"


def test_cron_pins_a_relative_store_and_checks_the_job(tmp_path):
    proc = run_citewarc_in(tmp_path, ["cron", EXAMPLE_JOB, "--every", "15m", "--store", "here"])
    assert proc.returncode == 0, describe(proc)
    words = shlex.split(proc.stdout.strip().splitlines()[1])
    assert len(words[0].split(",")) == 4
    assert words[words.index("--store") + 1] == str(tmp_path / "here")

    bad = run_citewarc_in(tmp_path, ["cron", EXAMPLE_JOB, "--every", "7m"])
    assert bad.returncode == 2 and "--every '7m'" in one_error_line(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nseeds: {urls: [nope]}\n")
    bad = run_citewarc_in(tmp_path, ["cron", broken, "--every", "1d"])
    assert bad.returncode == 2 and "seeds.urls[0]" in one_error_line(bad)


def test_summary_on_a_terminal(fixture_web, tmp_path):
    from tests.integration.test_terminal_output import run_on_terminal  # noqa: PLC0415

    job = write_job(tmp_path, "on-a-terminal", urls=[fixture_web.url(ARTICLE_PATH)], depth=0,
                    requisites=False)
    code, stdout, terminal = run_on_terminal(["crawl", str(job)], tmp_path)
    assert code == 0, terminal
    crawl_id = stdout.strip()
    assert CRAWL_ID_RE.match(crawl_id), "stdout carries only the crawl id"
    assert f"Crawl {crawl_id}" in terminal and "Stored in" in terminal and "Log: " in terminal
    assert "Traceback" not in terminal and "[scrapy" not in terminal
