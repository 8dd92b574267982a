"""``citewarc push``: upload crawls that wait in the local spool after a storage outage."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.errors import JobLocked, StorageFailed, VerifyFailed
from pipelines.keys import MANIFEST_NAME
from pipelines.store.base import StoreError

if TYPE_CHECKING:
    from pipelines.evidence.seal import TsaRetry
    from pipelines.state_update import PendingUpdate

COMMON_OPTIONS = True
HELP = "upload crawls waiting in the local spool after a storage outage"
DESCRIPTION = ("Upload every crawl that waits in the local spool for the store (files first, each "
               "verified by sha256, the manifest last). Prints each pushed crawl id on stdout. An "
               "unfinished crawl (stopped or killed) is not pushed: push names it and the command "
               "that finishes it.")


def add_arguments(parser: ArgumentParser) -> None:
    """No options of its own: the store is --store."""


def pending_crawls(folder: Path) -> list[Path]:
    """Crawl folders in a store's spool folder whose manifest is written but not yet confirmed by
    the store."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / MANIFEST_NAME).is_file())


def run(args: Namespace) -> int:
    from crawler.config import configured_store, load_settings, spool_root
    from pipelines.catalog import finish_hint, unfinished_crawls
    from pipelines.evidence.seal import tsa_retry
    from pipelines.manifest import spooled_manifest
    from pipelines.spool import store_spool
    from pipelines.store.upload import changed_in_spool, upload_crawl

    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    folder = store_spool(spool_root(settings), store.uri)
    crawls = pending_crawls(folder)
    unfinished = unfinished_crawls(folder)
    for crawl in unfinished:  # not ours to push: finishing it fetches what it lacks
        print(f"found unfinished crawl {crawl.crawl_id} ({crawl.not_fetched} page(s) not "
              f"fetched): push does not store it; to finish it, "
              f"{finish_hint(crawl, store.uri)}", file=sys.stderr)
    if not crawls:
        folded = fold_job_states(store, folder)
        stamped = stamp_pending(store, folder, settings.get("CITEWARC_TSA_URL") or None,
                                tsa_retry(settings))
        if not unfinished and not folded and not stamped:
            print(f"nothing waits in the spool for {store.uri}", file=sys.stderr)
        return 0
    changed = []
    for crawl_dir in crawls:
        manifest = spooled_manifest(crawl_dir)
        if why := changed_in_spool(crawl_dir, manifest["files"]):
            changed.append(why)  # the other crawls still go up
            continue
        report = upload_crawl(store, crawl_dir, manifest["crawl_id"], manifest["files"],
                              budget=settings.getfloat("CITEWARC_UPLOAD_RETRY_BUDGET"))
        if not report.ok:
            key, why = report.failed[0]
            raise StorageFailed(f"{why}; {len(report.pending)} file(s) still wait in {crawl_dir}")
        earlier = (f", {len(report.already_stored)} stored by an earlier push"
                   if report.already_stored else "")
        print(f"pushed {manifest['crawl_id']} ({len(report.uploaded)} files{earlier}) "
              f"to {store.uri}", file=sys.stderr)
        print(manifest["crawl_id"])
    fold_job_states(store, folder)
    stamp_pending(store, folder, settings.get("CITEWARC_TSA_URL") or None, tsa_retry(settings))
    if changed:
        raise VerifyFailed(changed[0] if len(changed) == 1
                           else f"{changed[0]} (and {len(changed) - 1} more crawl(s))")
    return 0


def fold_job_states(store, store_spool: Path) -> int:
    """Add the job crawls now stored (pushed here, or whose run was killed before saving its job
    state) to their jobs' states, as the job's run would have; returns how many were added.

    Each job's state is written under the job's lock; a job running now is left to its next run,
    which folds them before crawling.
    """
    from crawler.jobs.lock import job_lock
    from crawler.jobs.settings import lock_file
    from crawler.resume import store_has_manifest
    from pipelines.state_update import fold_into_store, pending_updates

    by_job: dict[str, list[PendingUpdate]] = {}
    for item in pending_updates(store_spool):
        if store_has_manifest(store, item.crawl_id):
            by_job.setdefault(item.update["job"], []).append(item)
    done = 0
    for job_name, items in sorted(by_job.items()):
        ids = ", ".join(i.crawl_id for i in items)
        try:
            with job_lock(lock_file(store.uri, job_name), job_name):
                fold_into_store(store, job_name, items, store_spool)
        except JobLocked:
            print(f"job {job_name!r} is running: its next run adds {ids} to its state",
                  file=sys.stderr)
            continue
        except StoreError as exc:
            print(f"job state of {job_name!r} not updated with {ids}: {exc}; the job's next run "
                  "adds them", file=sys.stderr)
            continue
        print(f"job state of {job_name!r} updated with {ids}", file=sys.stderr)
        done += len(items)
    return done


def stamp_pending(store, store_spool: Path, tsa_url: str | None, retry: TsaRetry) -> int:
    """Timestamp the stored crawls whose timestamp authority was down when they were made (as
    ``verify --timestamp`` does); one still down stays pending for the next push. Returns how
    many tried (stamped or not), so push does not say nothing waited."""
    from crawler.resume import store_has_manifest
    from pipelines.evidence.later import StampLaterError, stamp_later
    from pipelines.evidence.pending import pending_timestamps

    tried = 0
    for pending in pending_timestamps(store_spool):
        if not store_has_manifest(store, pending.crawl_id):
            continue  # not stored yet: its upload comes first
        tried += 1
        try:
            stamped = stamp_later(store, pending.crawl_id, tsa_url or pending.tsa_url, retry)
        except (StampLaterError, StoreError) as exc:
            print(f"timestamp of {pending.crawl_id} still pending: {exc}", file=sys.stderr)
            continue
        pending.done()
        if not stamped.already:
            print(f"timestamped {pending.crawl_id}: {stamped.gen_time} by {stamped.tsa}",
                  file=sys.stderr)
    return tried
