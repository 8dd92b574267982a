"""``citewarc worker --redis URL``: serve the distributed crawls announced in a Redis."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace

from crawler.commands import debug_option, redis_option, required_redis_url, verbose_option
from crawler.errors import EXIT_OK, EXIT_STOPPED, EXIT_STORAGE, EXIT_USAGE, exit_codes_help

COMMON_OPTIONS = False  # --store says which crawls to serve
HELP = "serve distributed crawls from a Redis: join the oldest open crawl, then the next"
DESCRIPTION = ("Work on the crawls announced in Redis (`citewarc archive URL --redis URL`), on this "
               "machine: join the oldest open crawl that has room for another worker, fetch its "
               "pages into this machine's spool and the crawl's store, then look for the next. "
               "Every setting comes from the crawl's announcement. Runs until stopped (Ctrl-C, "
               "SIGTERM: the pages in hand go back to the queue).")
EPILOG = exit_codes_help(
    (EXIT_OK, EXIT_USAGE, EXIT_STORAGE, EXIT_STOPPED),
    notes={
        EXIT_OK: "stopped while idle, or (--once, --crawl) its share of the crawl is committed "
                 "(and the crawl finalized, if this worker was the last)",
        EXIT_USAGE: "usage or configuration error (bad --redis URL, Redis does not answer, no open "
                    "crawl CRAWL_ID)",
        EXIT_STOPPED: "stopped while working on a crawl (SIGTERM, Ctrl-C): nothing lost, its pages "
                      "go back to the queue for the other workers",
    },
) + """\
environment:
  CITEWARC_REDIS_URL  the Redis when --redis is not given
  CITEWARC_SPOOL     where files wait until the store confirms them (a worker's under workers/<id>)
  CITEWARC_REDIS_WORKER  this worker's id (default: w + 6 random hex digits per crawl)
"""


def add_arguments(parser: ArgumentParser) -> None:
    redis_option(parser, "the Redis where crawls are announced (redis://[:password@]host:port/db; "
                         "default $CITEWARC_REDIS_URL)")
    parser.add_argument("--store", metavar="S",
                        help="serve only crawls stored in S (a path, file:///abs/path or "
                             "s3://bucket/prefix); default: every crawl whose store opens here")
    parser.add_argument("--crawl", metavar="CRAWL_ID",
                        help="work on this open crawl only, then exit")
    parser.add_argument("--once", action="store_true",
                        help="exit after one crawl instead of looking for the next")
    verbose_option(parser)
    debug_option(parser)


def run(args: Namespace) -> int:
    from crawler.config import command_store
    from crawler.distributed.serve import serve

    url = required_redis_url(args.redis)
    store_uri = command_store(args.store).uri if args.store else None
    return serve(url, store_uri=store_uri, crawl_id=args.crawl, once=args.once, verbose=args.verbose)
