"""``citewarc verify CRAWL_ID``: check every stored file of a crawl against its manifest."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from crawler.errors import (
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_USAGE,
    EXIT_VERIFY,
    StorageFailed,
    UsageError,
    VerifyFailed,
    exit_codes_help,
)
from pipelines.store.base import Store, StoreError

COMMON_OPTIONS = True
HELP = "check every stored file of a crawl against its manifest (exit 6 on any problem)"
DESCRIPTION = ("Read every file the crawl's manifest lists back from the store and compare\n"
               "its size and sha256; WARCs are also checked record by record (block and\n"
               "payload digests, whole gzip members). One line per file on stdout: ok,\n"
               "MISMATCH, CORRUPT, MISSING, or EXTRA (stored but not listed).")
EPILOG = exit_codes_help((EXIT_OK, EXIT_USAGE, EXIT_STORAGE, EXIT_VERIFY), notes={
    EXIT_OK: "every listed file is present and unchanged",
    EXIT_USAGE: "usage error: not a crawl id, no such crawl in the store, bad store URI",
    EXIT_STORAGE: "the store could not be read",
    EXIT_VERIFY: "a file is missing, changed or corrupt, or the crawl has no manifest",
})


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_id", metavar="CRAWL_ID", help="the crawl id printed by `archive`")


def open_crawl_store(args: Namespace) -> Store:
    """The store named by --store / CITEWARC_STORE, after checking the crawl id's form."""
    from crawler.session import configured_store, load_settings
    from pipelines.keys import is_crawl_id

    if not is_crawl_id(args.crawl_id):
        raise UsageError(f"{args.crawl_id!r} is not a crawl id (YYYYMMDDTHHMMSSZ-slug, as printed "
                         "by `citewarc archive`)")
    return configured_store(load_settings({"CITEWARC_STORE": args.store}))


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A transient progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=Console(stderr=True),
                  transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_file(key: str, index: int, total: int) -> None:
            progress.update(task, completed=index, total=total, description=key.rpartition("/")[2])

        yield on_file


def run(args: Namespace) -> int:
    from pipelines.verify import IncompleteCrawl, UnknownCrawl, verify_crawl

    store = open_crawl_store(args)
    try:
        with _progress() as on_file:
            report = verify_crawl(store, args.crawl_id, on_file)
    except UnknownCrawl as exc:
        raise UsageError(str(exc)) from None
    except IncompleteCrawl as exc:
        raise VerifyFailed(str(exc)) from None
    except StoreError as exc:
        raise StorageFailed(f"cannot verify {args.crawl_id}: {exc}") from None
    for result in report.results:
        print(result.line(), flush=True)
    checked = sum(1 for r in report.results if r.status != "EXTRA")
    if report.problems:
        counts: dict[str, int] = {}
        for result in report.problems:
            counts[result.status] = counts.get(result.status, 0) + 1
        summary = ", ".join(f"{n} {status.lower()}" for status, n in counts.items())
        raise VerifyFailed(f"{args.crawl_id} in {report.store_uri} does not match its manifest "
                           f"({summary}; {checked} files listed)")
    print(f"{args.crawl_id}: all {checked} files match the manifest ({report.store_uri})",
          file=sys.stderr)
    return 0
