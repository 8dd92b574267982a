"""Exceptions that carry their exit code, so ``main`` turns any of them into one line and a code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_SEED = 3
EXIT_STORAGE = 4
EXIT_LOCKED = 5
EXIT_VERIFY = 6
EXIT_STOPPED = 7


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
