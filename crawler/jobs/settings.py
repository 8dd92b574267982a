"""What a job file means for one run: the store it goes to, its Scrapy settings, and where its
lock and logs live. Shared by ``citewarc crawl`` (which runs the job) and ``citewarc cron`` (which
prints the crontab line that will), so both name the same paths.

Precedence, for the store and the log file alike: the command line, then the environment
(``CITEWARC_STORE``, ``CITEWARC_LOG_FILE``), then the job file, then the default. A relative local
path written in a job file is relative to the job file's folder, so the job means the same thing
whatever folder cron starts it from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crawler.config import refuse_control_characters
from crawler.jobs.file import Job
from pipelines.spool import cache_dir, store_slug

STORE_ENV = "CITEWARC_STORE"
LOG_FILE_ENV = "CITEWARC_LOG_FILE"


def _beside(value: str, folder: Path) -> str:
    """A local path from a job file, made absolute against the job file's folder; URIs unchanged."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else folder / path)


def job_store(job: Job, job_path: Path, cli_store: str | None) -> tuple[str | None, str]:
    """(store URI or None for the default ./archive, where it came from)."""
    if cli_store:
        return cli_store, "--store"
    if os.environ.get(STORE_ENV):
        return os.environ[STORE_ENV], STORE_ENV
    if job.store:
        return _beside(job.store, job_path.parent), "job file"
    return None, "default"


def log_file_template(job: Job, job_path: Path, cli_log_file: str | None) -> str:
    """The log path of a run, ``{job}`` and ``{crawl_id}`` still to fill in."""
    if cli_log_file:
        return str(Path(refuse_control_characters(cli_log_file, "--log-file")).expanduser().absolute())
    if os.environ.get(LOG_FILE_ENV):
        value = refuse_control_characters(os.environ[LOG_FILE_ENV], LOG_FILE_ENV)
        return str(Path(value).expanduser().absolute())
    if job.log_file:
        return _beside(job.log_file, job_path.parent)
    return str(cache_dir() / "logs" / "{job}" / "{crawl_id}.log")


def fill_log_file(template: str, job_name: str, crawl_id: str) -> Path:
    # str.replace, not str.format: a path may hold other braces.
    return Path(template.replace("{job}", job_name).replace("{crawl_id}", crawl_id))


def lock_file(store_uri: str, job_name: str) -> Path:
    """One lock per job name and store (``store_uri`` as the opened store names it)."""
    return cache_dir() / "locks" / f"{store_slug(store_uri)}-{job_name}.lock"


def cron_log_file(job_name: str) -> Path:
    """Where cron appends what a scheduled run prints (its crawl id, or its one error line)."""
    return cache_dir() / "logs" / job_name / "cron.log"


def job_overrides(job: Job) -> dict[str, Any]:
    """Settings a job sets for its run (on top of settings.base and the environment). None leaves
    a setting as it is: a job without ``browser:`` (or without its mode or domains) runs with the
    environment's browser settings, or the defaults."""
    polite = job.politeness
    mode, domains = (job.browser.mode, job.browser.domains) if job.browser else (None, None)
    return {
        "CITEWARC_JOB_NAME": job.name,
        "CITEWARC_SEEDS": list(job.seeds.urls),
        "CITEWARC_FEEDS": list(job.seeds.feeds),
        "CITEWARC_SITEMAPS": list(job.seeds.sitemaps),
        "CITEWARC_DEPTH": job.depth,
        "CITEWARC_REQUISITES": job.requisites,
        "CITEWARC_MAX_PAGES": job.limits.max_pages,
        "CITEWARC_MAX_FEED_ENTRIES": job.limits.max_feed_entries,
        "CITEWARC_MAX_ENTRY_AGE_DAYS": job.limits.max_entry_age_days,
        "CITEWARC_MAX_REQUISITES_PER_PAGE": job.limits.max_requisites_per_page,
        "CITEWARC_TIME_LIMIT": job.limits.max_minutes * 60 if job.limits.max_minutes else None,
        "ROBOTSTXT_OBEY": polite.obey_robots,
        "DOWNLOAD_DELAY": polite.delay,
        "AUTOTHROTTLE_START_DELAY": polite.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency_per_host,
        "DOWNLOAD_TIMEOUT": polite.timeout,
        "RETRY_TIMES": polite.retries,
        "CITEWARC_BROWSER": mode,
        "CITEWARC_BROWSER_DOMAINS": dict(domains) if domains is not None else None,
    }
