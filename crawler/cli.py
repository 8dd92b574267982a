"""Command line: the root parser and the common options, the commands of crawler/commands/ each with
its own options, and ``main``, which turns every failure into one line and its exit code."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Protocol

from crawler import __version__
from crawler.commands import (
    ENVIRONMENT_HELP,
    archive,
    crawl,
    cron,
    debug_option,
    finalize,
    history,
    keygen,
    push,
    replay,
    report,
    share,
    store_option,
    verbose_option,
    verify,
    worker,
)
from crawler.commands import list as listing
from crawler.errors import EXIT_STORAGE, EXIT_USAGE, CitewarcError, exit_codes_help


class Command(Protocol):
    """What a module in crawler/commands/ provides (see crawler/commands/__init__.py)."""

    COMMON_OPTIONS: bool
    HELP: str
    DESCRIPTION: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# The commands, in the order `citewarc --help` lists them; each owns its options and its run.
COMMANDS: dict[str, Command] = {
    "archive": archive, "push": push, "replay": replay, "list": listing, "history": history,
    "verify": verify, "share": share, "crawl": crawl, "cron": cron, "worker": worker,
    "finalize": finalize, "keygen": keygen, "report": report,
}


def build_parser() -> argparse.ArgumentParser:
    """The root parser (--version, the exit codes) and one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="citewarc",
        description="Archive news stories and every page they cite as WARC files with clean text.",
        epilog=exit_codes_help() + ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"citewarc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    common = argparse.ArgumentParser(add_help=False)
    store_option(common)
    verbose_option(common)
    debug_option(common)
    for name, command in COMMANDS.items():
        epilog = getattr(command, "EPILOG", None)
        command_parser = sub.add_parser(
            name, parents=[common] if command.COMMON_OPTIONS else [], help=command.HELP,
            description=command.DESCRIPTION, epilog=epilog,
            # an epilog is laid out by hand (the exit code table); a description alone is wrapped
            formatter_class=argparse.RawDescriptionHelpFormatter if epilog else argparse.HelpFormatter,
        )
        command.add_arguments(command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet_logging(getattr(args, "verbose", False))
    try:
        return _dispatch(args)
    finally:
        reap_workers()


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; every failure becomes one ``citewarc: error:`` line and its exit code."""
    return guarded(lambda: COMMANDS[args.command].run(args), args.debug)


def guarded(run: Callable[[], int], debug: bool = False) -> int:
    """``run()``'s exit code; every failure becomes one ``citewarc: error:`` line and its exit code
    (a traceback too with ``debug``). For the commands, and for processes citewarc starts itself
    (a distributed worker), so they fail in the same words."""
    from pipelines.store.base import StoreError, StoreURIError  # noqa: PLC0415 - no boto3 here

    try:
        return run()
    except CitewarcError as exc:
        return _fail(debug, str(exc), exc.exit_code)
    except StoreURIError as exc:  # the same contract for every command: a bad store URI is 2
        return _fail(debug, str(exc), EXIT_USAGE)
    except StoreError as exc:  # ... and a store that cannot be reached or read is 4
        return _fail(debug, str(exc), EXIT_STORAGE)
    except KeyboardInterrupt:
        print("citewarc: error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, traceback only with --debug
        return _fail(debug, f"internal error: {type(exc).__name__}: {exc} "
                            "(run with --debug for a traceback)", 1)


def _fail(debug: bool, message: str, code: int) -> int:
    if debug:
        traceback.print_exc()
    print(f"citewarc: error: {message}", file=sys.stderr)
    return code


def _quiet_logging(verbose: bool) -> None:
    """Log records go to stderr only with --verbose: without a handler Python's last resort
    prints warnings there, and an error would no longer be one line. (``archive`` and ``crawl``
    replace this with their log file.)"""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr) if verbose else logging.NullHandler())


def reap_workers() -> None:
    """No extraction worker (or multiprocessing helper) outlives the command."""
    extract = sys.modules.get("pipelines.extract")
    if extract is not None:
        extract.reap_workers()

if __name__ == "__main__":
    sys.exit(main())
