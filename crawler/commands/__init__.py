"""One module per command: its ``HELP`` line, ``DESCRIPTION``, optional ``EPILOG``, the options it
owns (``add_arguments``) and ``run(args) -> int``. ``COMMON_OPTIONS`` says whether it takes the
common --store, -v and --debug as they are (``crawl`` and ``cron`` word them for a job).

A command module imports its work inside ``run``: ``citewarc --help`` builds every command's
parser and should not load Scrapy to do it.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser, Namespace
from dataclasses import dataclass

from crawler.errors import UsageError

STORE_HELP = ("where to store: a path, file:///abs/path or s3://bucket/prefix "
              "(default: $CITEWARC_STORE or ./archive)")
VERBOSE_HELP = "show the crawler's log on stderr (it always goes to the log file)"
DEBUG_HELP = "show a traceback when something goes wrong"
REDIS_ENV = "CITEWARC_REDIS_URL"


def store_option(parser: ArgumentParser, help: str = STORE_HELP) -> None:
    parser.add_argument("--store", metavar="S", help=help)


def verbose_option(parser: ArgumentParser, help: str = VERBOSE_HELP) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help=help)


def debug_option(parser: ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)


def redis_option(parser: ArgumentParser, help: str) -> None:
    """``--redis URL``; $CITEWARC_REDIS_URL when not given (``redis_url`` reads it)."""
    parser.add_argument("--redis", metavar="URL", help=help)


def redis_url(given: str | None) -> str | None:
    """``--redis`` as given, else $CITEWARC_REDIS_URL, else None (no Redis: nothing distributed)."""
    return given or os.environ.get(REDIS_ENV) or None


def required_redis_url(given: str | None) -> str:
    """``redis_url`` for a command that only works with Redis (``worker``, ``finalize``)."""
    url = redis_url(given)
    if url is None:
        raise UsageError("which Redis? give --redis URL (or set $CITEWARC_REDIS_URL)")
    return url


ENVIRONMENT_HELP = """\
environment:
  CITEWARC_STORE     default store (instead of ./archive)
  CITEWARC_SPOOL     where files wait until the store confirms them (~/.cache/citewarc/spool)
  CITEWARC_REDIS_URL  the Redis of a distributed crawl, when --redis is not given
  CITEWARC_SIGNING_KEY  the key that signs every WACZ (`citewarc keygen` makes it)
  AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE   S3 access
  http_proxy, https_proxy   fetch through a proxy
"""


def distributed_arguments(parser: ArgumentParser, what: str) -> None:
    """``--redis``, ``--workers`` and ``--max-workers``: share the ``what`` (crawl, run) through Redis."""
    redis_option(parser, f"share the {what} through this Redis (redis://[:password@]host:port/db, "
                         "default $CITEWARC_REDIS_URL): announce it there, where any `citewarc "
                         "worker` may join, and run --workers worker processes here")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="with --redis: worker processes to start on this machine (default 1); "
                             "0: only announce the crawl, print its id and exit 0")
    parser.add_argument("--max-workers", type=int, metavar="M",
                        help="with --redis: at most M workers, here and elsewhere, may join the "
                             f"{what} (default: the larger of --workers and 4)")


@dataclass(frozen=True)
class Distributed:
    """``--redis``, ``--workers`` and ``--max-workers`` once checked."""

    url: str
    workers: int
    max_workers: int


def distributed_options(args: Namespace) -> Distributed | None:
    """The checked distributed options, or None for an ordinary crawl (no --redis, and no
    $CITEWARC_REDIS_URL: a --resume finishes a crawl of this machine, so the environment does not
    make it distributed). Usage errors for what is not (yet) possible with --redis."""
    from settings.base import CITEWARC_REDIS_MAX_WORKERS

    url = args.redis or (None if args.resume else redis_url(None))
    if url is None:
        if args.workers is not None or args.max_workers is not None:
            raise UsageError("--workers and --max-workers share a crawl through Redis: give "
                             "--redis URL too (or set $CITEWARC_REDIS_URL)")
        return None
    if args.resume:
        raise UsageError("--resume with --redis: not yet (a distributed crawl is finished by its "
                         "workers, `citewarc worker --redis URL --crawl ID`, or `citewarc finalize`)")
    workers = 1 if args.workers is None else args.workers
    if workers < 0:
        raise UsageError("--workers must be 0 or more")
    max_workers = max(workers, CITEWARC_REDIS_MAX_WORKERS) if args.max_workers is None else args.max_workers
    if max_workers < 1:
        raise UsageError("--max-workers must be 1 or more")
    if max_workers < workers:
        raise UsageError(f"--max-workers {max_workers} is fewer than --workers {workers}")
    return Distributed(url, workers, max_workers)
