"""``citewarc cron JOBFILE --every 6h``: the crontab line that runs a job on a schedule.

Cron starts commands with a minimal PATH, no virtualenv, ``$HOME`` as the working folder and none of
the user's environment: so the line names every path absolutely and carries the few ``CITEWARC_``
variables that decide where the run goes. Each job gets a minute offset derived from its name, so
many jobs do not all start at :00.
"""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser, Namespace
from dataclasses import dataclass
from pathlib import Path

from crawler.commands import debug_option, store_option
from crawler.errors import EXIT_OK, EXIT_USAGE, UsageError, exit_codes_help
from crawler.schedule import citewarc_executable, cron_quote, schedule

# Variables that change where a run goes or how it is configured, carried into the line when set;
# for an s3:// store also where S3 is and which profile to use. Never the keys themselves: secrets
# do not belong in a crontab (boto3 reads them from ~/.aws/credentials under cron too).
CARRIED_ENV = ("CITEWARC_SETTINGS", "CITEWARC_SPOOL", "XDG_CACHE_HOME")
CARRIED_S3_ENV = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")


COMMON_OPTIONS = False  # a schedule's store and log file; nothing to show with -v
HELP = "print the crontab line that runs a job on a schedule"
DESCRIPTION = ("Check the job file, then print a comment line (job, store, lock and log paths) and "
               "the crontab line that runs `citewarc crawl JOBFILE` on the schedule, with absolute "
               "paths (cron's PATH is minimal) and its output appended to "
               "~/.cache/citewarc/logs/<job>/cron.log (whose folder this creates). Install it with "
               "`crontab -e`.")
EPILOG = """\
example:
  citewarc cron jobs/deir-ez-zor.yaml --every 6h      # then paste both lines into `crontab -e`
""" + exit_codes_help((EXIT_OK, EXIT_USAGE), notes={
    EXIT_OK: "the lines were printed",
    EXIT_USAGE: "bad job file (the message names the field), bad --every or bad store URI",
})


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("jobfile", metavar="JOBFILE", help="the job file (YAML or TOML)")
    parser.add_argument("--every", required=True, metavar="PERIOD",
                        help="how often: Nm with N dividing 60 (15m), Nh with N dividing 24 (6h), "
                             "or 1d; the minute is derived from the job name so jobs spread out")
    store_option(parser, "store for the scheduled runs (default: $CITEWARC_STORE, else the job's "
                         "store, else ./archive made absolute)")
    parser.add_argument("--log-file", metavar="F",
                        help="log file of each run; {job} and {crawl_id} are filled in")
    debug_option(parser)


@dataclass(frozen=True)
class CronEntry:
    comment: str  # "# citewarc job ...: store ...; lock ...; log ..."
    line: str  # what goes into the crontab
    cron_log: Path  # where cron appends the run's stdout and stderr
    store_uri: str


def cron_entry(args: Namespace) -> CronEntry:
    """The comment line and the crontab line; validates the job first (exit 2 on a bad one)."""
    from crawler.config import command_store, refuse_control_characters
    from crawler.jobs.file import load_job
    from crawler.jobs.settings import (
        STORE_ENV,
        cron_log_file,
        fill_log_file,
        job_store,
        lock_file,
        log_file_template,
    )

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
    env = [f"{name}={cron_quote(refuse_control_characters(os.environ[name], name))}"
           for name in carried if os.environ.get(name)]
    command = [*citewarc_executable(), "crawl", str(job_path)]
    if store_source == "--store" or store_source == "default":
        # Pinned: under cron ./archive would be $HOME/archive, not the folder you are in now.
        command += ["--store", store.uri]
    elif store_source == STORE_ENV:
        env.append(f"{STORE_ENV}={cron_quote(store_uri)}")
    if args.log_file:
        command += ["--log-file", log_template]
    elif os.environ.get("CITEWARC_LOG_FILE"):
        env.append(f"CITEWARC_LOG_FILE={cron_quote(log_template)}")
    line = " ".join([
        when.fields, *env, *map(cron_quote, command), ">>", cron_quote(str(cron_log)), "2>&1",
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
