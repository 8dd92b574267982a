"""Exceptions that carry their exit code, so ``main`` turns any of them into one line and a code;
and the table of what each code means, which every command's ``--help`` renders."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_SEED = 3
EXIT_STORAGE = 4
EXIT_LOCKED = 5
EXIT_VERIFY = 6
EXIT_STOPPED = 7

# The contract (README's table says the same): what each exit code means, for every command.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "the seed(s) archived and stored (citations may have failed: the manifest says which)",
    EXIT_USAGE: "usage or configuration error (malformed URL, a URL with a password, unsupported "
                "scheme, bad store URI, a control character in a path or name)",
    EXIT_NO_SEED: "no seed could be archived (dead host, HTTP error, refused); the attempt is still "
                  "recorded",
    EXIT_STORAGE: "storage failed, or the store cannot be read (every command), or the WARC could "
                  "not be written (disk full); nothing is lost: the message says where the files wait",
    EXIT_LOCKED: "another run of the same job holds its lock (crawl)",
    EXIT_VERIFY: "verify found a missing, changed or corrupt file, or a signature or timestamp "
                 "that does not verify; push found a spooled file that changed",
    EXIT_STOPPED: "stopped before the end (SIGTERM, Ctrl-C); nothing lost: finish it with --resume",
}


def exit_codes_help(codes: Iterable[int] = EXIT_CODES, notes: Mapping[int, str] | None = None) -> str:
    """The ``exit codes:`` block of a ``--help`` epilog: each of ``codes`` with its meaning from
    ``EXIT_CODES``, or the command's own wording of it from ``notes``."""
    lines = ["exit codes:"]
    for code in codes:
        meaning = (notes or {}).get(code) or EXIT_CODES[code]
        lines += textwrap.wrap(meaning, 94, initial_indent=f"  {code}  ", subsequent_indent="     ")
    return "\n".join(lines) + "\n"


class CitewarcError(Exception):
    """Base class: ``str(exc)`` is the one line the user sees after ``citewarc: error:``."""

    exit_code = 1


class UsageError(CitewarcError):
    """Malformed URL, unsupported scheme, bad option, bad store URI, bad job file."""

    exit_code = EXIT_USAGE


class NoSeedArchived(CitewarcError):
    """No seed could be archived (dead host, HTTP error, refusal). The attempt is still recorded."""

    exit_code = EXIT_NO_SEED


class StorageFailed(CitewarcError):
    """The store did not confirm every file; the message says where the files wait."""

    exit_code = EXIT_STORAGE


class VerifyFailed(CitewarcError):
    """``verify`` found a file missing, changed or corrupt, or a crawl without its manifest."""

    exit_code = EXIT_VERIFY


class JobLocked(CitewarcError):
    """Another run of the same job (same name, same store) still holds the job's lock."""

    exit_code = EXIT_LOCKED


class CrawlStopped(CitewarcError):
    """The crawl was stopped (SIGTERM, Ctrl-C) before its end: nothing is lost, it is not
    finalised (no manifest), and ``--resume`` finishes it under the same id."""

    exit_code = EXIT_STOPPED


def error_for(code: int, message: str) -> CitewarcError:
    """The error that carries ``code``: a code recorded elsewhere (a distributed crawl's finalizer
    writes it in Redis) becomes the same one line and exit code here."""
    for cls in (UsageError, NoSeedArchived, StorageFailed, VerifyFailed, JobLocked, CrawlStopped):
        if cls.exit_code == code:
            return cls(message)
    error = CitewarcError(message)
    error.exit_code = code
    return error
