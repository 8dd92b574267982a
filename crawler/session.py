"""Build Settings (module + CLI/env overrides) and run a spider in this process."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.web.offline import use_bundled_suffix_list
from pipelines import spool as spool_layout
from pipelines.keys import crawl_prefix
from pipelines.run import CrawlResult, CrawlRun
from pipelines.spool import crawl_spool
from pipelines.store import open_store
from pipelines.store.base import Store, StoreError, inside

SETTINGS_ENV = "CITEWARC_SETTINGS"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults from ``settings.base`` (or the module named by CITEWARC_SETTINGS), then env, then
    the command line."""
    settings = Settings()
    settings.setmodule(os.environ.get(SETTINGS_ENV, "settings.base"), priority="project")
    for name, value in os.environ.items():  # CITEWARC_<SETTING>=value, for cron and containers
        if name.startswith("CITEWARC_") and name != SETTINGS_ENV and name in settings and value:
            settings.set(name, value, priority="project")
    for name, value in (overrides or {}).items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def unique_crawl_id(store, settings: Settings, base: str) -> str:
    """Two runs in the same second for the same story must not share (and overwrite) an id."""
    spool = spool_root(settings)
    inside(spool.resolve(), crawl_spool(spool, store.uri, base))  # no link out of the spool
    candidate, n = base, 1
    while True:
        try:
            taken = bool(store.list_keys(crawl_prefix(candidate)))
        except StoreError:
            taken = False  # the store is down: the spool alone decides; upload reports the outage
        if not taken and not crawl_spool(spool, store.uri, candidate).exists():
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def command_store(uri: str | None, settings: Mapping[str, Any] | None = None) -> Store:
    """How every command opens its store: a store that cannot be opened (bad URI, S3 set-up) is a
    usage error (exit 2); a store that is down fails later, on first use (exit 4)."""
    from crawler.errors import UsageError  # noqa: PLC0415

    try:
        return open_store(uri or "", settings)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def configured_store(settings: Settings) -> Store:
    """The store the settings name (CITEWARC_STORE), opened as every command opens a store."""
    return command_store(settings.get("CITEWARC_STORE"), settings)


def spool_root(settings: Settings) -> Path:
    """The spool root (``pipelines.spool``), refused if its setting holds a control character:
    it names files."""
    from crawler.jobs.file import refuse_control_characters  # noqa: PLC0415

    refuse_control_characters(spool_layout.spool_setting(settings), spool_layout.SPOOL_SETTING)
    return spool_layout.spool_root(settings)


def log_file_for(settings: Settings, crawl_id: str) -> Path:
    configured = settings.get("CITEWARC_LOG_FILE")
    if configured:
        from crawler.jobs.file import refuse_control_characters  # noqa: PLC0415

        return Path(refuse_control_characters(configured, "CITEWARC_LOG_FILE")).expanduser()
    return spool_layout.spool_root(settings).parent / "logs" / f"{crawl_id}.log"


def configure_logging(log_file: Path, level: str, verbose: bool) -> None:
    """Everything to the log file; to stderr only with --verbose (stderr is for the user)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(level)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setLevel(level)  # Scrapy resets the root logger's level when it starts
    file_handler.setFormatter(fmt)
    root.addHandler(file_handler)
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(level)
        stream.setFormatter(fmt)
        root.addHandler(stream)
    logging.captureWarnings(True)


def run_spider(spider_cls: type, settings: Settings, **spider_args: Any) -> CrawlResult | None:
    """Run one crawl and return what the finalizer reported, or that it was stopped.

    Scrapy's own signal handlers stay in place: the first SIGTERM or Ctrl-C closes the spider
    (reason ``shutdown``: the finalizer keeps the crawl unfinished), a second one stops the reactor
    at once (nothing is finalised; the spool is left as after SIGKILL)."""
    use_bundled_suffix_list()
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **spider_args)
    process.start()
    run = getattr(crawler, "_citewarc_run", None)
    if not isinstance(run, CrawlRun):
        return None
    if run.result is None:  # a hard stop (second Ctrl-C or SIGTERM): as after SIGKILL
        return CrawlResult(crawl_id=run.crawl_id, manifest={}, store_uri=run.store.uri,
                           spool_dir=run.dir, stopped="hard stop",
                           not_fetched=len(run.not_fetched()))
    return run.result
