"""The distributed options and commands of the CLI (archive --redis/--workers/--max-workers,
CITEWARC_REDIS_URL, worker, finalize, crawl --redis): usage errors are one line and exit 2 before
anything runs; ``archive --workers 0`` only announces. Nothing is crawled here."""

from __future__ import annotations

import logging

import pytest
import redis

from crawler.cli import build_parser, main
from crawler.distributed.announce import open_crawls, read_spec
from crawler.errors import EXIT_OK, EXIT_USAGE


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CITEWARC_REDIS_URL", raising=False)
    monkeypatch.delenv("CITEWARC_REDIS_WORKER", raising=False)
    monkeypatch.setenv("CITEWARC_SPOOL", str(tmp_path / "spool"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):  # archive sets up its log file: put pytest's back
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def one_line_error(capsys, why: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(f"citewarc: error: {why}") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["--workers", "2"], "--workers and --max-workers share a crawl through Redis"),
        (["--max-workers", "2"], "--workers and --max-workers share a crawl through Redis"),
        (["--redis", "redis://127.0.0.1:1/0", "--workers", "-1"], "--workers must be 0 or more"),
        (["--redis", "redis://127.0.0.1:1/0", "--max-workers", "0"], "--max-workers must be 1 or more"),
        (["--redis", "redis://127.0.0.1:1/0", "--workers", "3", "--max-workers", "2"],
         "--max-workers 2 is fewer than --workers 3"),
    ],
)
def test_archive_distributed_usage_errors(argv, why, capsys, monkeypatch):
    import crawler.session

    monkeypatch.setattr(crawler.session, "run_crawl", lambda request: pytest.fail("crawled"))
    assert main(["archive", "http://example.com/", *argv]) == EXIT_USAGE
    one_line_error(capsys, why)


def test_archive_resume_with_redis_is_not_yet(capsys):
    argv = ["archive", "--resume", "20260101t000000z-x", "--redis", "redis://127.0.0.1:1/0"]
    assert main(argv) == EXIT_USAGE
    one_line_error(capsys, "--resume with --redis: not yet")


def test_resume_ignores_the_redis_environment(monkeypatch):
    """A --resume finishes a crawl of this machine: $CITEWARC_REDIS_URL does not make it distributed."""
    from crawler.commands.archive import distributed_options

    monkeypatch.setenv("CITEWARC_REDIS_URL", "redis://127.0.0.1:1/0")
    args = build_parser().parse_args(["archive", "--resume", "20260101t000000z-x"])
    assert distributed_options(args) is None
    args = build_parser().parse_args(["archive", "http://example.com/"])
    options = distributed_options(args)
    assert (options.url, options.workers, options.max_workers) == ("redis://127.0.0.1:1/0", 1, 4)


def test_the_redis_environment_makes_archive_distributed(monkeypatch):
    import crawler.distributed.announcer
    import crawler.session

    calls = []
    monkeypatch.setenv("CITEWARC_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(crawler.session, "run_crawl", lambda request: pytest.fail("crawled here"))
    monkeypatch.setattr(crawler.distributed.announcer, "run_announced",
                        lambda request, url, workers, most: calls.append((url, workers, most)) or 0)
    assert main(["archive", "http://example.com/", "--workers", "6"]) == EXIT_OK
    assert calls == [("redis://127.0.0.1:1/0", 6, 6)]


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["worker"], "which Redis? give --redis URL"),
        (["finalize", "20260101t000000z-x"], "which Redis? give --redis URL"),
        (["worker", "--redis", "http://127.0.0.1:1/"], "--redis http://127.0.0.1:1/: "),
        (["worker", "--redis", "redis://:s3cret@127.0.0.1:1/0"], "cannot reach Redis at redis://:***@127.0.0.1:1/0"),
        (["crawl", "job.yaml", "--redis", "redis://127.0.0.1:1/0", "--resume", "x"],
         "--resume with --redis: not yet"),
        (["crawl", "job.yaml", "--workers", "2"], "--workers and --max-workers share a crawl through"),
    ],
)
def test_distributed_command_usage_errors(argv, why, capsys):
    assert main(argv) == EXIT_USAGE
    err = one_line_error(capsys, why)
    assert "s3cret" not in err


def test_crawl_takes_the_redis_environment_too(capsys, monkeypatch):
    """A job run with $CITEWARC_REDIS_URL set is shared through it (here: a Redis that is down)."""
    monkeypatch.setenv("CITEWARC_REDIS_URL", "redis://127.0.0.1:1/0")
    assert main(["crawl", "job.yaml", "--workers", "3", "--max-workers", "2"]) == EXIT_USAGE
    one_line_error(capsys, "--max-workers 2 is fewer than --workers 3")


def test_unknown_crawl_is_a_usage_error(redis_url, capsys):
    assert main(["finalize", "20260101t000000z-nope", "--redis", redis_url]) == EXIT_USAGE
    one_line_error(capsys, "no crawl 20260101t000000z-nope in Redis at")
    assert main(["worker", "--crawl", "20260101t000000z-nope", "--redis", redis_url]) == EXIT_USAGE
    one_line_error(capsys, "no open crawl 20260101t000000z-nope in Redis at")


def test_archive_with_no_local_worker_only_announces(redis_url, tmp_path, capsys):
    store = tmp_path / "store"
    code = main(["archive", "http://example.com/story", "--depth", "0", "--store", str(store),
                 "--redis", redis_url, "--workers", "0", "--max-workers", "3"])
    assert code == EXIT_OK
    crawl_id = capsys.readouterr().out.strip().splitlines()[-1]
    server = redis.Redis.from_url(redis_url)
    assert open_crawls(server) == [crawl_id]
    spec = read_spec(server, crawl_id)
    assert (spec.spider, spec.store_uri, spec.max_workers) == ("story", str(store), 3)
    assert spec.seeds == ["http://example.com/story"]
    assert spec.settings["CITEWARC_DEPTH"] == 0 and spec.settings["CITEWARC_STORE"] == str(store)
    assert not {"CITEWARC_SPOOL", "CITEWARC_LOG_FILE", "CITEWARC_PROGRESS"} & set(spec.settings)
    assert spec.tool.startswith("citewarc ") and spec.started.endswith("Z")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("archive", ["--redis URL", "--workers N", "--max-workers M"]),
        ("worker", ["--redis URL", "--store S", "--crawl CRAWL_ID", "--once"]),
        ("finalize", ["--redis URL", "CRAWL_ID"]),
        ("crawl", ["--redis URL"]),
    ],
)
def test_distributed_options_have_help(command, options, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for option in options:
        line = next(line for line in out.splitlines() if line.strip().startswith(option))
        assert len(line.strip()) > len(option) + 5 or option == "CRAWL_ID", line
    assert "CITEWARC_REDIS_URL" in out
