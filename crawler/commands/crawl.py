"""``citewarc crawl JOBFILE``: one scheduled run of a job (article URLs, feeds, sitemaps).

Cron-safe: nothing on the terminal but an error line (and the crawl id on stdout), a log file per
run, one run per job and store at a time (exit 5 at once if another still holds the lock).
"""

from __future__ import annotations

import shlex
import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path

from crawler.commands import (
    debug_option,
    distributed_arguments,
    distributed_options,
    store_option,
    verbose_option,
)
from crawler.errors import (
    EXIT_LOCKED,
    EXIT_NO_SEED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_STORAGE,
    EXIT_USAGE,
    exit_codes_help,
)

COMMON_OPTIONS = False  # --store and -v say what they mean for a job
HELP = "run a job file: its stories, feeds and sitemaps (cron-safe)"
DESCRIPTION = ("Archive what a job file names: its article URLs, the new entries of its RSS/Atom "
               "feeds and (news) sitemaps, each with the pages it cites and their requisites. "
               "Cron-safe: nothing on the terminal but errors (and the crawl id, the last line on "
               "stdout), a log file per run, and one run per job and store at a time.")
EPILOG = exit_codes_help(
    (EXIT_OK, EXIT_USAGE, EXIT_NO_SEED, EXIT_STORAGE, EXIT_LOCKED, EXIT_STOPPED),
    notes={
        EXIT_OK: "the seeds archived and stored (for a job: its article URLs and the feed and "
                 "sitemap entries taken this run; a run whose feeds hold nothing new is a success "
                 "too)",
        EXIT_USAGE: "usage or configuration error (bad job file: the message names the field; bad "
                    "store URI)",
        EXIT_NO_SEED: "no seed could be archived, or no feed or sitemap could be read",
        EXIT_LOCKED: "another run of the same job (same name and store) still holds the lock",
        EXIT_STOPPED: "stopped before the end (SIGTERM, Ctrl-C); nothing lost: the next run (or "
                      "--resume) finishes it",
    },
) + """\
environment:
  CITEWARC_STORE     store (after --store, before the job's store)
  CITEWARC_LOG_FILE  log file of each run (after --log-file, before the job's log_file)
  CITEWARC_SPOOL     where files wait until the store confirms them (~/.cache/citewarc/spool)
  XDG_CACHE_HOME     cache folder of the spool, locks and logs (~/.cache)
"""


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("jobfile", metavar="JOBFILE",
                        help="the job file, YAML (.yaml/.yml) or TOML (.toml); see examples/job.yaml")
    store_option(parser, "where to store: a path, file:///abs/path or s3://bucket/prefix "
                         "(default: $CITEWARC_STORE, else the job's store, else ./archive)")
    parser.add_argument("--log-file", metavar="F",
                        help="this run's log file; {job} and {crawl_id} are filled in (default: "
                             "$CITEWARC_LOG_FILE, else the job's log_file, else "
                             "~/.cache/citewarc/logs/{job}/{crawl_id}.log)")
    parser.add_argument("--no-archive-lookups", action="store_true",
                        help="do not ask the independent archives (the Internet Archive's Wayback Machine, "
                        "archive.today, or $CITEWARC_MEMENTO_ARCHIVES) for their copies of "
                        "each citation; the ledger (citations.json) says they were not asked")
    parser.add_argument("--time-limit", metavar="T",
                        help="stop fetching after T (30s, 90m, 2h) and finish the run (overrides "
                             "the job's limits.max_minutes); the rest is listed as skipped")
    parser.add_argument("--resume", metavar="CRAWL_ID",
                        help="finish this job's stopped or killed crawl CRAWL_ID (a run without "
                             "it resumes the job's oldest unfinished crawl by itself)")
    distributed_arguments(parser, "run")
    verbose_option(parser, "show the crawler's log on stderr too (it always goes to the log file)")
    debug_option(parser)


def run(args: Namespace) -> int:
    redis = distributed_options(args)
    from crawler.extensions.time_limit import parse_time_limit
    from crawler.jobs.file import load_job
    from crawler.jobs.settings import job_overrides, job_store, log_file_template
    from crawler.report import job_failure, report_crawl
    from crawler.session import CrawlRequest, JobRun, run_crawl
    from crawler.spiders.job import JobSpider

    job_path = Path(args.jobfile).expanduser().absolute()
    job = load_job(job_path)
    store_uri, store_source = job_store(job, job_path, args.store)
    overrides = job_overrides(job) | {
        "CITEWARC_STORE": store_uri,
        "CITEWARC_PROGRESS": sys.stderr.isatty() and not args.verbose,
        "CITEWARC_ARCHIVE_LOOKUPS": False if args.no_archive_lookups else None,
    }
    if args.time_limit:
        overrides["CITEWARC_TIME_LIMIT"] = parse_time_limit(args.time_limit)
    job_run = JobRun(job, job_path, store_source, log_file_template(job, job_path, args.log_file))
    request = CrawlRequest(JobSpider, overrides, slug=job.name, resume=args.resume,
                           verbose=args.verbose, job=job_run)
    if redis is not None:
        from crawler.distributed.announcer import run_announced

        return run_announced(request, redis.url, redis.workers, redis.max_workers, spider="job",
                             failure=lambda manifest: job_failure(manifest, job))
    crawled = run_crawl(request)
    finish = f"citewarc crawl {shlex.quote(str(job_path))} --resume {crawled.crawl_id}"
    return report_crawl(crawled.result, crawled.log_file, crawled.console,
                        failure=lambda manifest: job_failure(manifest, job), finish=finish)
