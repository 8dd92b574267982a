"""``citewarc finalize CRAWL_ID --redis URL``: finish a distributed crawl whose workers are gone."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace

from crawler.commands import debug_option, redis_option, required_redis_url, verbose_option
from crawler.errors import (
    EXIT_NO_SEED,
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_USAGE,
    UsageError,
    exit_codes_help,
)

COMMON_OPTIONS = False  # the crawl's store is the one it was announced with
HELP = "finalize a distributed crawl: merge its workers' parts into the manifest, index and WACZ"
DESCRIPTION = ("Write the manifest, index and WACZ of a distributed crawl from what its workers "
               "committed, when no worker is left to do it (the last one is usually the finalizer). "
               "Refused while requests remain queued or live workers hold some (once the crawl's "
               "time limit has passed, queued requests are listed as skipped instead); a finalizer "
               "whose heartbeat expired is taken over. The crawl id is the last line on stdout.")
EPILOG = exit_codes_help(
    (EXIT_OK, EXIT_USAGE, EXIT_NO_SEED, EXIT_STORAGE),
    notes={
        EXIT_USAGE: "usage or configuration error, or the crawl cannot be finalized now (requests "
                    "remain, a live worker holds some or is finalizing it): the line says why",
    },
) + """\
environment:
  CITEWARC_REDIS_URL  the Redis when --redis is not given
"""


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_id", metavar="CRAWL_ID", help="the distributed crawl to finalize")
    redis_option(parser, "the Redis where the crawl was announced (default $CITEWARC_REDIS_URL)")
    verbose_option(parser)
    debug_option(parser)


def run(args: Namespace) -> int:
    from rich.console import Console

    from crawler.config import command_store, load_settings, spool_root
    from crawler.distributed.announce import crawl_key, is_open, read_spec
    from crawler.distributed.announcer import report_record
    from crawler.distributed.connection import command_redis, shown_url
    from crawler.distributed.finalize import finalize_open_crawl
    from crawler.distributed.process import worker_log_file
    from crawler.distributed.result import read_record
    from crawler.report import report_crawl
    from crawler.session import configure_logging

    url = required_redis_url(args.redis)
    server = command_redis(url)
    spec = read_spec(server, args.crawl_id)
    if spec is None:
        raise UsageError(f"no crawl {args.crawl_id} in Redis at {shown_url(url)}")
    settings = load_settings()
    spool = spool_root(settings)
    log_file = worker_log_file(spool, spec.crawl_id, "finalize")
    try:
        configure_logging(log_file, settings.get("LOG_LEVEL"), args.verbose)
    except OSError as exc:
        raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from None
    console = Console(stderr=True, highlight=False)
    if not is_open(server, spec.crawl_id):  # finalized already: say how it ended
        record = read_record(server.hget(crawl_key(spec.crawl_id), "result"))
        if record is None:
            raise UsageError(f"crawl {spec.crawl_id} is closed in Redis and holds no result")
        if sys.stderr.isatty():
            console.print(f"crawl {spec.crawl_id} was finalized already")
        return report_record(record, command_store(spec.store_uri), log_file, console)
    finalized = finalize_open_crawl(spec, url, spool)
    return report_crawl(finalized.result, log_file, console,
                        finish=f"citewarc worker --redis URL --crawl {spec.crawl_id}")
