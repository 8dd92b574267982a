"""``citewarc cron JOBFILE --every 6h``: the crontab line that runs a job on a schedule.

Cron starts commands with a minimal PATH, no virtualenv, ``$HOME`` as the working folder and none of
the user's environment: so the line names every path absolutely and carries the few ``CITEWARC_``
variables that decide where the run goes. Each job gets a minute offset derived from its name, so
many jobs do not all start at :00.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import sys
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import UsageError
from crawler.jobs.file import load_job, refuse_control_characters
from crawler.jobs.settings import (
    STORE_ENV,
    cron_log_file,
    fill_log_file,
    job_store,
    lock_file,
    log_file_template,
)
from crawler.session import command_store

# Variables that change where a run goes or how it is configured, carried into the line when set;
# for an s3:// store also where S3 is and which profile to use. Never the keys themselves: secrets
# do not belong in a crontab (boto3 reads them from ~/.aws/credentials under cron too).
CARRIED_ENV = ("CITEWARC_SETTINGS", "CITEWARC_SPOOL", "XDG_CACHE_HOME")
CARRIED_S3_ENV = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")
EVERY_RE = re.compile(r"^(\d+)([mhd])$")
EVERY_HELP = "use Nm with N dividing 60 (15m), Nh with N dividing 24 (6h), or 1d"


@dataclass(frozen=True)
class Schedule:
    every: str
    fields: str  # the five cron time fields


@dataclass(frozen=True)
class CronEntry:
    comment: str  # "# citewarc job ...: store ...; lock ...; log ..."
    line: str  # what goes into the crontab
    cron_log: Path  # where cron appends the run's stdout and stderr
    store_uri: str


def _spread(name: str) -> int:
    """A stable number from the job name (not Python's per-process ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def schedule(every: str, job_name: str) -> Schedule:
    """``15m`` -> ``7,22,37,52 * * * *``; ``6h`` -> ``41 3,9,15,21 * * *``; ``1d`` -> ``41 3 * * *``.

    The minute (and the hour within the period) come from the job name: stable, and spread out.
    """
    match = EVERY_RE.match(every.strip().lower())
    if not match:
        raise UsageError(f"--every {every!r}: {EVERY_HELP}")
    n, unit = int(match.group(1)), match.group(2)
    spread = _spread(job_name)
    if unit == "m" and n == 60:
        n, unit = 1, "h"
    if unit == "h" and n == 24:
        n, unit = 1, "d"
    if unit == "m":
        if n < 1 or 60 % n:
            raise UsageError(f"--every {every!r}: minutes must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, "
                             f"15, 20, 30); {EVERY_HELP}")
        if n == 1:
            return Schedule(f"{n}m", "* * * * *")
        first = spread % n
        return Schedule(f"{n}m", f"{','.join(str(m) for m in range(first, 60, n))} * * * *")
    minute = spread % 60
    if unit == "h":
        if n < 1 or 24 % n:
            raise UsageError(f"--every {every!r}: hours must divide 24 (1, 2, 3, 4, 6, 8, 12); "
                             f"{EVERY_HELP}")
        if n == 1:
            return Schedule("1h", f"{minute} * * * *")
        first = (spread // 60) % n
        return Schedule(f"{n}h", f"{minute} {','.join(str(h) for h in range(first, 24, n))} * * *")
    if n != 1:
        raise UsageError(f"--every {every!r}: {EVERY_HELP}")
    return Schedule("1d", f"{minute} {(spread // 60) % 24} * * *")


def citewarc_executable() -> list[str]:
    """The absolute command that starts citewarc (cron's PATH knows nothing of virtualenvs)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "citewarc":
        found = argv0 if argv0.parent != Path() else Path(shutil.which("citewarc") or argv0)
        if found.is_file():
            return [str(found.absolute())]
    beside_python = Path(sys.executable).with_name("citewarc")
    if beside_python.is_file():
        return [str(beside_python.absolute())]
    checkout = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "citewarc"
    if checkout.is_file():
        return [str(checkout)]
    # No console script: the module itself, through this very interpreter (not resolved: a
    # virtualenv's python is a symlink, and resolving it would leave the virtualenv).
    return [str(Path(sys.executable).absolute()), "-m", "crawler.cli"]


def _cron_quote(text: str) -> str:
    """Shell-quote for the crontab: cron turns an unescaped % into a newline."""
    return shlex.quote(text).replace("%", "\\%")


def cron_entry(args: Namespace) -> CronEntry:
    """The comment line and the crontab line; validates the job first (exit 2 on a bad one)."""
    job_path = Path(args.jobfile).expanduser().absolute()
    job = load_job(job_path)
    when = schedule(args.every, job.name)
    store_uri, store_source = job_store(job, job_path, args.store)
    refuse_control_characters(store_uri or "", f"the store (from {store_source})")
    if store_uri and "://" not in store_uri:
        store_uri = str(Path(store_uri).expanduser().absolute())
    store = command_store(store_uri)
    log_template = log_file_template(job, job_path, args.log_file)
    cron_log = cron_log_file(job.name)

    carried = CARRIED_ENV + (CARRIED_S3_ENV if store.uri.startswith("s3://") else ())
    env = [f"{name}={_cron_quote(refuse_control_characters(os.environ[name], name))}"
           for name in carried if os.environ.get(name)]
    command = [*citewarc_executable(), "crawl", str(job_path)]
    if store_source == "--store" or store_source == "default":
        # Pinned: under cron ./archive would be $HOME/archive, not the folder you are in now.
        command += ["--store", store.uri]
    elif store_source == STORE_ENV:
        env.append(f"{STORE_ENV}={_cron_quote(store_uri)}")
    if args.log_file:
        command += ["--log-file", log_template]
    elif os.environ.get("CITEWARC_LOG_FILE"):
        env.append(f"CITEWARC_LOG_FILE={_cron_quote(log_template)}")
    line = " ".join([
        when.fields, *env, *map(_cron_quote, command), ">>", _cron_quote(str(cron_log)), "2>&1",
    ])
    example_log = fill_log_file(log_template, job.name, "{crawl_id}")
    comment = (f"# citewarc job '{job.name}' every {when.every}: store {store.uri}; "
               f"lock {lock_file(store.uri, job.name)}; log {example_log}")
    # Whatever the quoting, a newline ends a crontab entry: the two lines must stay two lines
    # (HOME, the cache folder or the interpreter's path could still bring one in).
    refuse_control_characters(comment, "a path in the crontab comment (HOME? XDG_CACHE_HOME?)")
    refuse_control_characters(line, "a path in the crontab line (HOME? the citewarc executable?)")
    return CronEntry(comment, line, cron_log, store.uri)


def run(args: Namespace) -> int:
    entry = cron_entry(args)
    if os.environ.get("AWS_ACCESS_KEY_ID") and entry.store_uri.startswith("s3://"):
        print("citewarc: warning: AWS_ACCESS_KEY_ID is set here but not copied into the crontab "
              "line; under cron boto3 reads ~/.aws/credentials (or set AWS_PROFILE)", file=sys.stderr)
    # The shell creates the >> file but not its folder: without it the first run would not start.
    try:
        entry.cron_log.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {entry.cron_log.parent}: {exc.strerror}") from None
    print(entry.comment, entry.line, sep="\n", flush=True)
    return 0
