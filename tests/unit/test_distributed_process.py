"""crawler/distributed/process.py: the settings a worker runs an announced crawl with, worker ids,
and a worker process's exit code (pure: nothing crawled, no Redis)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.distributed.announce import CrawlSpec
from crawler.distributed.process import (
    local_worker_ids,
    worker_command,
    worker_exit_code,
    worker_settings,
)
from crawler.errors import EXIT_NO_SEED, EXIT_OK, EXIT_STOPPED, EXIT_STORAGE, UsageError
from pipelines.run import CrawlResult

CRAWL = "20260101t000000z-example-com"
REDIS = "redis://127.0.0.1:6399/3"


def spec(**settings) -> CrawlSpec:
    return CrawlSpec(crawl_id=CRAWL, spider="story",
                     settings={"CITEWARC_SEEDS": ["http://example.com/a"], "CITEWARC_DEPTH": 0,
                               "CITEWARC_STORE": "/stores/one", "CITEWARC_LOG_FILE": "/elsewhere.log",
                               "CITEWARC_SPOOL": "/announcer/spool", **settings},
                     store_uri="/stores/one", max_workers=3, started="2026-01-01T00:00:00Z",
                     tool="citewarc 1.0")


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("CITEWARC_REDIS_HEARTBEAT", "CITEWARC_REDIS_VISIBILITY_TIMEOUT", "CITEWARC_REDIS_WORKER"):
        monkeypatch.delenv(name, raising=False)


def test_worker_settings_hold_the_crawl_keys_spool_prefix_and_worker(tmp_path: Path):
    settings = worker_settings(spec(), REDIS, "w00abcd", tmp_path / "spool")
    assert settings.get("CITEWARC_CRAWL_ID") == CRAWL
    assert settings.get("CITEWARC_REDIS_WORKER") == "w00abcd"
    assert settings.get("CITEWARC_SPOOL") == str(tmp_path / "spool" / "workers" / "w00abcd")
    assert settings.get("CITEWARC_WARC_PREFIX") == f"{CRAWL}-w00abcd"
    assert settings.get("CITEWARC_LOG_FILE") == str(tmp_path / "logs" / f"{CRAWL}-w00abcd.log")
    assert settings.get("CITEWARC_STORE") == "/stores/one"
    assert settings.getlist("CITEWARC_SEEDS") == ["http://example.com/a"]
    assert settings.getint("CITEWARC_DEPTH") == 0
    assert settings.getint("CITEWARC_REDIS_MAX_WORKERS") == 3
    assert settings.get("REDIS_URL") == settings.get("CITEWARC_REDIS_URL") == REDIS
    assert settings.get("SCHEDULER") == "crawler.distributed.scheduler.CrawlScheduler"
    assert settings.get("CITEWARC_FRONTIER") == "crawler.distributed.frontier.RedisFrontier"
    assert settings.get("SCHEDULER_QUEUE_KEY") == f"citewarc:crawl:{CRAWL}:requests"
    assert settings.get("CITEWARC_REDIS_INFLIGHT_KEY") == f"citewarc:crawl:{CRAWL}:inflight:{{worker}}"
    assert settings.getbool("CITEWARC_PROGRESS") is False


def test_a_worker_commits_parts_instead_of_writing_a_manifest_and_keeps_the_other_extensions(
        tmp_path: Path):
    extensions = worker_settings(spec(), REDIS, "w1", tmp_path).getdict("EXTENSIONS")
    assert extensions["pipelines.finalize.FinalizeCrawl"] is None
    assert extensions["crawler.distributed.worker.WorkerCommit"] == 900
    assert "crawler.extensions.time_limit.CrawlTimeLimit" in extensions
    middlewares = worker_settings(spec(), REDIS, "w1", tmp_path).getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert middlewares["crawler.distributed.robots.SharedRobotsTxtMiddleware"] == 100
    assert middlewares["crawler.middlewares.capture.WarcCaptureMiddleware"] == 950


def test_each_worker_gets_its_share_of_the_per_host_limits(tmp_path: Path):
    settings = worker_settings(spec(CONCURRENT_REQUESTS_PER_DOMAIN=4, DOWNLOAD_DELAY=0.5), REDIS, "w1",
                               tmp_path)
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1  # 3 workers: 4 // 3
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.5


def test_tunables_of_this_machine_win_over_the_defaults(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CITEWARC_REDIS_HEARTBEAT", "0.5")
    settings = worker_settings(spec(), REDIS, "w1", tmp_path)
    assert settings.getfloat("CITEWARC_REDIS_HEARTBEAT") == 0.5
    assert settings.getint("CITEWARC_REDIS_VISIBILITY_TIMEOUT") == 30  # settings.base


def test_worker_settings_refuse_a_bad_worker_id(tmp_path: Path):
    with pytest.raises(UsageError, match="not a worker id"):
        worker_settings(spec(), REDIS, "W/../x", tmp_path)


def test_local_worker_ids_differ():
    ids = local_worker_ids(5)
    assert len(set(ids)) == 5 and all(i.startswith("w") and len(i) == 7 for i in ids)
    assert local_worker_ids(1, "w000001") == ["w000001"]
    assert local_worker_ids(2, "w000001") == ["w000001-1", "w000001-2"]
    with pytest.raises(UsageError):
        local_worker_ids(1, "Bad Id")


def test_the_redis_url_is_not_on_the_worker_command_line():
    command = worker_command(CRAWL, "w1", verbose=True)
    assert command[1:] == ["-m", "crawler.distributed.process", "--crawl", CRAWL, "--worker", "w1",
                           "--verbose"]


@dataclass
class _Result:  # the fields of section C's WorkerResult that the exit code reads
    finalized: CrawlResult | None = None
    stopped: str | None = None


def _finished(**fields) -> CrawlResult:
    manifest = {"seeds": ["http://example.com/a"],
                "pages": [{"url": "http://example.com/a", "role": "seed", "status": 200, "error": None,
                           "redirect_to": None}]}
    return CrawlResult(crawl_id=CRAWL, manifest=manifest, store_uri="/s", **fields)


@pytest.mark.parametrize(
    ("result", "code"),
    [
        (None, EXIT_STOPPED),
        (_Result(), EXIT_OK),
        (_Result(stopped="max_workers"), EXIT_OK),
        (_Result(stopped="shutdown"), EXIT_STOPPED),
        (_Result(stopped="warc_write_failed"), EXIT_STORAGE),
        (_Result(finalized=_finished()), EXIT_OK),
        (_Result(finalized=_finished(storage_error="down", pending=["x"])), EXIT_STORAGE),
    ],
)
def test_worker_exit_code(result, code):
    assert worker_exit_code(result) == code


def test_a_finalized_crawl_without_an_archived_seed_is_exit_3():
    failed = _finished()
    failed.manifest["pages"][0].update(status=None, error="connection refused")
    assert worker_exit_code(_Result(finalized=failed)) == EXIT_NO_SEED


def test_local_workers_share_this_machines_extraction_processes():
    from crawler.distributed.process import extraction_share

    assert extraction_share(4, 1) == 4
    assert extraction_share(4, 2) == 2
    assert extraction_share(2, 4) == 1  # at least one each
    assert extraction_share(0, 1) >= 1  # 0: one per core
