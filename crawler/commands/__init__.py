"""One module per command: its ``HELP`` line, ``DESCRIPTION``, optional ``EPILOG``, the options it
owns (``add_arguments``) and ``run(args) -> int``. ``COMMON_OPTIONS`` says whether it takes the
common --store, -v and --debug as they are (``crawl`` and ``cron`` word them for a job).

A command module imports its work inside ``run``: ``citewarc --help`` builds every command's
parser and should not load Scrapy to do it.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser

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


ENVIRONMENT_HELP = """\
environment:
  CITEWARC_STORE     default store (instead of ./archive)
  CITEWARC_SPOOL     where files wait until the store confirms them (~/.cache/citewarc/spool)
  CITEWARC_REDIS_URL  the Redis of a distributed crawl, when --redis is not given
  AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE   S3 access
  http_proxy, https_proxy   fetch through a proxy
"""
