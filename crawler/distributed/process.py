"""One worker process of one distributed crawl: its settings, the spider run, its exit code.

Scrapy cannot restart a reactor in a process, so every crawl a machine serves gets a process of
its own: ``citewarc worker`` and ``citewarc archive --redis`` start ``python -m
crawler.distributed.process --crawl ID --worker W`` (the Redis URL in ``CITEWARC_REDIS_URL``, not
on the command line, where ``ps`` would show its password). The worker takes every setting of the
crawl from its announcement (``CrawlSpec.settings``), and only what belongs to this machine from
here: the settings module, the spool, the log folder, the Redis tunables (heartbeat, timeouts).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from crawler.distributed.announce import CrawlSpec
from crawler.distributed.config import WORKER_ID, distributed_settings, divided_politeness
from crawler.errors import EXIT_OK, EXIT_STOPPED, EXIT_STORAGE, UsageError

REDIS_URL_ENV = "CITEWARC_REDIS_URL"
# Settings of the announcing machine that a worker never takes from the announcement: they name
# that machine's files, terminal or run state.
LOCAL_SETTINGS = frozenset({"CITEWARC_CRAWL_ID", "CITEWARC_LOG_FILE", "CITEWARC_PROGRESS",
                            "CITEWARC_RESUME", "CITEWARC_SPOOL"})
SPIDERS = {"story": ("crawler.spiders.story", "StorySpider"), "job": ("crawler.spiders.job", "JobSpider")}


def new_worker_id() -> str:
    """``w`` + 6 random hex digits (``crawler.distributed.config.worker_id``'s form)."""
    return f"w{secrets.token_hex(3)}"


def local_worker_ids(count: int, configured: str = "") -> list[str]:
    """Ids for ``count`` workers started together on this machine, all different: ``configured``
    (``CITEWARC_REDIS_WORKER``) for one, ``<configured>-<n>`` for several, else random ones."""
    if configured:
        if not WORKER_ID.fullmatch(configured):
            raise UsageError(f"CITEWARC_REDIS_WORKER: not a worker id: {configured!r} "
                             "(lowercase letters, digits and '-')")
        return [configured] if count == 1 else [f"{configured}-{n}" for n in range(1, count + 1)]
    ids: list[str] = []
    while len(ids) < count:
        candidate = new_worker_id()
        if candidate not in ids:
            ids.append(candidate)
    return ids


def worker_spool(spool: Path, worker: str) -> Path:
    """A worker's spool root: ``<spool>/workers/<worker>`` (its crawl folder inside it is laid out
    as any crawl's, so nothing that reads a spool needs to know)."""
    return spool / "workers" / worker


def worker_log_file(spool: Path, crawl_id: str, worker: str) -> Path:
    """``<cache>/logs/<crawl id>-<worker>.log``: beside the announcer's ``<crawl id>.log``."""
    return spool.parent / "logs" / f"{crawl_id}-{worker}.log"


def worker_settings(spec: CrawlSpec, redis_url: str, worker: str, spool: Path) -> Settings:
    """The settings one worker runs ``spec`` with: this machine's settings module and environment,
    then the crawl's announced settings, then ``settings.distributed`` filled in for the crawl
    (the liveness knobs are ``settings.base``'s, so this machine's module and environment set
    them), its share of the per-host limits, then who and where this worker is: the crawl id, the
    worker id, its spool root ``<spool>/workers/<worker>``, its WARC prefix ``<crawl id>-<worker>``,
    its log file and the crawl's deadline (``CITEWARC_TIME_LIMIT_DEADLINE``). ``spool`` is this
    machine's spool root."""
    from crawler.config import load_settings  # noqa: PLC0415 - Scrapy's settings machinery

    if not WORKER_ID.fullmatch(worker):
        raise UsageError(f"not a worker id: {worker!r} (lowercase letters, digits and '-')")
    settings = load_settings({k: v for k, v in spec.settings.items() if k not in LOCAL_SETTINGS})
    overlay = distributed_settings(spec.crawl_id, redis_url, spec.max_workers)
    # Components swapped, the crawl's others kept: no manifest of its own (WorkerCommit instead of
    # FinalizeCrawl), robots.txt shared (SharedRobotsTxtMiddleware).
    swapped = {name: {**settings.getdict(name), **overlay.pop(f"CITEWARC_REDIS_{name}")}
               for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES")}
    for name, value in {**overlay, **swapped}.items():
        settings.set(name, value, priority="cmdline")
    # Each worker's share of the per-host limits (a host sees no more than of one process).
    for name, value in divided_politeness(settings, spec.max_workers).items():
        settings.set(name, value, priority="cmdline")
    own = {
        "CITEWARC_CRAWL_ID": spec.crawl_id,
        "CITEWARC_STORE": spec.store_uri,
        "CITEWARC_REDIS_WORKER": worker,
        "CITEWARC_SPOOL": str(worker_spool(spool, worker)),
        "CITEWARC_WARC_PREFIX": f"{spec.crawl_id}-{worker}",
        "CITEWARC_LOG_FILE": str(worker_log_file(spool, spec.crawl_id, worker)),
        "CITEWARC_PROGRESS": False,  # several workers share a terminal: no live line
        "CITEWARC_RESUME": False,
        # The crawl's time limit ends at the announced deadline, whenever this worker joined.
        "CITEWARC_TIME_LIMIT_DEADLINE": spec.deadline or 0,
    }
    for name, value in own.items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_class(spec: CrawlSpec) -> type:
    """The spider the crawl was announced with."""
    from importlib import import_module  # noqa: PLC0415

    module, name = SPIDERS[spec.spider]
    return getattr(import_module(module), name)


def worker_exit_code(result: Any) -> int:
    """The exit code of a worker process, from the extension's ``WorkerResult`` (section C:
    ``finalized``: the ``CrawlResult`` when this worker finalized the crawl, ``stopped``: why it
    left early, or None).

    * finalized here: the crawl's own code (0, 3 no seed, 4 storage), as ``archive`` would exit;
    * left because the crawl is done or was full (``max_workers``): 0, its share is committed;
    * a failed WARC write: 4; any other early stop (SIGTERM, Ctrl-C, a lost Redis): 7, nothing
      lost (its uncommitted pages go back to the queue);
    * no result at all (the crawl never opened, or a hard stop): 7."""
    from crawler.report import crawl_error  # noqa: PLC0415
    from pipelines.run import WRITE_FAILED_REASON  # noqa: PLC0415

    if result is None:
        return EXIT_STOPPED
    finalized = getattr(result, "finalized", None)
    if finalized is not None:
        error = crawl_error(finalized)
        return EXIT_OK if error is None else error.exit_code
    stopped = getattr(result, "stopped", None)
    if stopped in (None, "", "finished", "max_workers"):
        return EXIT_OK
    if stopped == WRITE_FAILED_REASON:
        return EXIT_STORAGE
    return EXIT_STOPPED


def worker_result(crawler: Any) -> Any:
    """The ``WorkerResult`` the worker extension (``crawler.distributed.worker``, section C) left
    on the crawler, or None. Imported here, late, so this module loads without it."""
    from crawler.distributed.worker import worker_result as extension_result  # noqa: PLC0415

    return extension_result(crawler)


def run_worker(redis_url: str, crawl_id: str, worker: str, verbose: bool = False) -> int:
    """Run this process's share of the open crawl ``crawl_id`` as worker ``worker`` (Scrapy in this
    process, to its end) and return the worker's exit code (``worker_exit_code``)."""
    import logging  # noqa: PLC0415

    from crawler.config import load_settings, spool_root  # noqa: PLC0415
    from crawler.distributed.announce import read_spec  # noqa: PLC0415
    from crawler.distributed.connection import command_redis, shown_url  # noqa: PLC0415
    from crawler.distributed.leftovers import remove_gone_workers  # noqa: PLC0415
    from crawler.session import configure_logging, run_crawler  # noqa: PLC0415

    server = command_redis(redis_url)
    spec = read_spec(server, crawl_id)
    server.close()
    if spec is None:
        raise UsageError(f"no crawl {crawl_id} is announced in Redis at {shown_url(redis_url)}")
    spool = spool_root(load_settings())
    settings = worker_settings(spec, redis_url, worker, spool)
    log_file = Path(settings.get("CITEWARC_LOG_FILE"))
    try:
        configure_logging(log_file, settings.get("LOG_LEVEL"), verbose)
    except OSError as exc:
        raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from None
    logging.getLogger("citewarc.worker").info(
        "Worker %s joins crawl %s (store %s, Redis %s)", worker, crawl_id, spec.store_uri,
        shown_url(redis_url))
    remove_gone_workers(worker_spool(spool, worker).parent)
    crawler = run_crawler(spider_class(spec), settings)
    return worker_exit_code(worker_result(crawler))


def worker_command(crawl_id: str, worker: str, verbose: bool = False) -> list[str]:
    """The command line of a worker process (the Redis URL goes in its environment)."""
    return [sys.executable, "-m", "crawler.distributed.process", "--crawl", crawl_id,
            "--worker", worker, *(["--verbose"] if verbose else [])]


def extraction_share(configured: int, local_workers: int) -> int:
    """Each local worker's text-extraction processes: this machine's pool (``CITEWARC_EXTRACT_WORKERS``,
    0: one per core) divided among the workers started here, at least 1. Extraction is what binds a
    crawl's CPU: N workers with a full pool each would run N times the processes on the same cores
    (bench/distributed.py)."""
    pool = configured or os.cpu_count() or 1
    return max(1, pool // max(1, local_workers))


def start_worker(redis_url: str, crawl_id: str, worker: str, verbose: bool = False,
                 extract_workers: int | None = None) -> subprocess.Popen:
    """Start one worker process for ``crawl_id``: stdout stays the parent's own (its last line is
    the crawl id), errors reach stderr as one line. ``extract_workers``: its share of this
    machine's extraction processes (``extraction_share``)."""
    env = {**os.environ, REDIS_URL_ENV: redis_url}
    if extract_workers is not None:
        env["CITEWARC_EXTRACT_WORKERS"] = str(extract_workers)
    return subprocess.Popen(worker_command(crawl_id, worker, verbose), env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def wait_workers(procs: Sequence[subprocess.Popen]) -> tuple[list[int], bool]:
    """Wait for every worker process; (their exit codes, whether we were asked to stop).

    A SIGTERM to this process is passed on to the workers (each then stops as a crawl does: its
    uncommitted pages go back to the queue). A first Ctrl-C reached the workers from the terminal
    too, so waiting goes on while they stop; a second one stops waiting (KeyboardInterrupt)."""
    interrupted = False

    def forward(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        for proc in procs:
            while True:
                try:
                    proc.wait()
                    break
                except KeyboardInterrupt:
                    if interrupted:
                        raise
                    interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    return [proc.returncode for proc in procs], interrupted


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.distributed.process",
        description="One worker of one distributed crawl (started by `citewarc worker` and "
                    "`citewarc archive --redis`; the Redis URL comes from $CITEWARC_REDIS_URL).")
    parser.add_argument("--crawl", required=True, metavar="ID", help="the open crawl to work on")
    parser.add_argument("--worker", required=True, metavar="W",
                        help="this worker's id (lowercase letters, digits and '-')")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show the crawler's log on stderr (it always goes to the log file)")
    parser.add_argument("--debug", action="store_true", help="show a traceback when something goes wrong")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from crawler.cli import guarded, reap_workers  # noqa: PLC0415

    args = build_parser().parse_args(argv)
    redis_url = os.environ.get(REDIS_URL_ENV, "")

    def run() -> int:
        if not redis_url:
            raise UsageError(f"${REDIS_URL_ENV} is not set: which Redis holds the crawl?")
        return run_worker(redis_url, args.crawl, args.worker, args.verbose)

    try:
        return guarded(run, args.debug)
    finally:
        reap_workers()


if __name__ == "__main__":
    sys.exit(main())
