"""On spider_closed: close the WARCs, write the manifest, upload everything, manifest last.

Pipelines' close hooks run concurrently, so the ordered end of a crawl lives here, in one place.
Stopping (``stop_run``) and closing the run's own files (``finalize_run``) are per process; what
follows them (``finalize_crawl``: package, manifest, upload, job state) reads only a
``CrawlOutcome``, so a distributed crawl's finalizer can run it on the record it builds from its
workers' parts.
"""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from scrapy import signals
from scrapy.utils.asyncio import run_in_thread

from pipelines.evidence.pending import mark_pending
from pipelines.evidence.seal import PENDING, Sealer
from pipelines.job_state import JobRun, contribution, updated_state
from pipelines.keys import (
    MANIFEST_NAME,
    citations_key,
    key_in_crawl,
    manifest_key,
    report_key,
    timestamp_token_key,
    wacz_key,
    warc_key,
)
from pipelines.kill_hook import kill_at
from pipelines.ledger.build import fate_counts
from pipelines.ledger.crawl_ledger import write_citations, write_report
from pipelines.manifest import build_manifest
from pipelines.outcome import CrawlOutcome
from pipelines.package import (
    MANIFEST_IN_WACZ,
    BundleFile,
    Indexed,
    WrittenWacz,
    bundle_files,
    index_crawl,
    package_indexed,
    write_originals_warc,
)
from pipelines.run import CrawlResult, CrawlRun
from pipelines.state_update import PendingUpdate, fold_into_store, write_update
from pipelines.store.base import StoreError
from pipelines.store.upload import UploadReport, file_entries, spooled_files, upload_crawl

logger = logging.getLogger(__name__)


class FinalizeCrawl:
    def __init__(self, crawler, upload_budget: float) -> None:
        self.crawler = crawler
        self.upload_budget = upload_budget  # seconds of upload retries before files wait for push
        self.result: CrawlResult | None = None  # what the crawl came to, once it closed

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, crawler.settings.getfloat("CITEWARC_UPLOAD_RETRY_BUDGET"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    async def spider_closed(self, spider, reason: str) -> None:
        waiting = spider.waiting_seeds() if hasattr(spider, "waiting_seeds") else []
        self.result = await self.close(CrawlRun.of(self.crawler), reason, waiting)

    async def close(self, run: CrawlRun, reason: str, waiting_seeds: list[str] | None = None,
                    ) -> CrawlResult:
        """``waiting_seeds``: seeds the spider had not requested yet (a stop before them leaves
        the crawl unfinished: ``--resume`` requests them)."""
        if run.write_error is not None:  # disk full or I/O error: exit 4, resumable, never exit 7
            return await run_in_thread(finalize_run, run, reason, self.upload_budget)
        not_fetched = [url for _, url in run.not_fetched()] + list(waiting_seeds or [])
        end = how_it_ends(reason, bool(not_fetched), run.limit_reached)
        if end == "stop":
            return await run_in_thread(stop_run, run, reason, len(not_fetched))
        if end == "limit":
            for url in not_fetched:
                run.skip(url, run.limit_reached)
        return await run_in_thread(finalize_run, run, reason, self.upload_budget)


def crawl_result(crawler) -> CrawlResult | None:
    """What a crawl came to, for the command once the crawler has run: what the finalizer
    returned; a hard stop (a second Ctrl-C or SIGTERM: nothing finalised, the spool left as after
    SIGKILL) when the crawl began but never reached the finalizer; None when it never began."""
    run = CrawlRun.built(crawler)
    if run is None:
        return None
    extensions = getattr(getattr(crawler, "extensions", None), "middlewares", ())
    finalizer = next((e for e in extensions if isinstance(e, FinalizeCrawl)), None)
    if finalizer is not None and finalizer.result is not None:
        return finalizer.result
    return CrawlResult(crawl_id=run.crawl_id, manifest={}, store_uri=run.store.uri,
                       spool_dir=run.dir, stopped="hard stop", not_fetched=len(run.not_fetched()))


def how_it_ends(reason: str, requests_left: bool, limit_reached: str | None = None) -> str:
    """``finish``, ``limit`` (finish, listing what was not fetched as skipped) or ``stop``.

    Only Scrapy's ``finished`` and a limit the crawl was given (``limit_reached``, the skip reason
    set by the limit that closed it) end it: any other close reason (``shutdown`` after SIGTERM or
    Ctrl-C, ``cancelled``, an error) with requests still waiting leaves it unfinished and
    resumable, never finalised as if complete.
    """
    if reason == "finished" or not requests_left:
        return "finish"
    if limit_reached:
        return "limit"
    return "stop"


def stop_run(run: CrawlRun, reason: str, not_fetched: int) -> CrawlResult:
    """Blocking: close the WARC and the journal cleanly, write no manifest, upload nothing; the
    spool folder stays for ``--resume``."""
    run.write_provenance(reason)
    run.writer.close()
    run.journal.write("stop", reason=reason, not_fetched=not_fetched)
    run.journal.close()
    run.release()
    logger.warning("Crawl %s stopped (%s) with %d page(s) not fetched; it stays in %s until "
                   "resumed", run.crawl_id, reason, not_fetched, run.dir)
    return CrawlResult(crawl_id=run.crawl_id, manifest={}, store_uri=run.store.uri,
                       spool_dir=run.dir, stopped=reason, not_fetched=not_fetched)


def manifest_extra(outcome: CrawlOutcome, depends_on: list[str]) -> dict:
    extra: dict = {"depends_on": depends_on, "skipped": outcome.skipped,
                   "warnings": outcome.warnings}
    if outcome.job is not None:
        extra["job"] = outcome.job.name
        extra["feeds"] = outcome.job.feeds
        extra["diffs"] = [
            {"url": p.url, "key": p.diff, "fields": p.edited_fields}
            for p in outcome.pages if p.diff
        ]
    return extra


def copy_originals(outcome: CrawlOutcome, scratch: Path) -> list[Path]:
    """The earlier records this crawl's revisits refer to, copied from the store for the WACZ."""
    wanted = {}
    for page in outcome.pages:
        ref = page.capture.revisit_of if page.capture else None
        if ref:
            wanted[(ref["warc"], ref["offset"])] = ref
    if not wanted:
        return []
    members = []
    for ref in wanted.values():
        try:
            members.append(outcome.store.read_range(ref["warc"], ref["offset"], ref["length"]))
        except StoreError as exc:
            outcome.warnings.append(f"WACZ lacks the original of a revisit ({ref['record_id']}): "
                                    f"{exc}; replay it together with crawl {ref['crawl_id']}")
    if not members:
        return []
    path = scratch / f"{outcome.crawl_id}-originals.warc.gz"
    info = {"software": outcome.tool, "format": "WARC File Format 1.1",
            "description": "records of earlier crawls that this crawl's revisit records refer to"}
    return [write_originals_warc(path, members, info)]


def state_update(outcome: CrawlOutcome, job: JobRun) -> dict:
    """This crawl's contribution to its job's state (its full captures, the feed entries it took)."""
    after = updated_state(job.state, outcome.crawl_id, outcome.pages, job.new_feed_entries,
                          partial(warc_key, outcome.crawl_id))
    return contribution(after, outcome.crawl_id)


def save_state(outcome: CrawlOutcome, job: JobRun, update: dict) -> None:
    """The job's state goes up after the crawl is stored, so revisits only point to stored data.

    The crawl's contribution, written to its spool folder before the upload, is folded into the
    state as the store holds it now (also when the state could not be read at the start); it stays
    in the spool, for the job's next run or ``push`` to fold in, until the state is saved.
    """
    kill_at("before_state_saved")
    pending = PendingUpdate(outcome.dir, update)
    try:
        fold_into_store(outcome.store, job.name, [pending], outcome.dir.parent)
    except StoreError as exc:
        logger.error("Job state not saved (%s): the job's next run (or `citewarc push`) adds this "
                     "crawl to it", exc)
        outcome.warnings.append(f"job state not saved: {exc}")


def write_failed_result(run: CrawlRun) -> CrawlResult:
    """A WARC write failed (disk full, I/O error): no manifest, nothing uploaded. What was
    written is whole and stays in the spool with the journal, so the crawl can be resumed."""
    files = sorted((run.dir / "warc").glob("*.warc.gz"))
    why = (f"{run.write_error}; the crawl stopped; what was written is intact "
           f"({len(files)} WARC file(s) in {run.dir}); free space, then run "
           f"`citewarc archive --resume {run.crawl_id}`")
    return CrawlResult(crawl_id=run.crawl_id, manifest={}, store_uri=run.store.uri,
                       spool_dir=run.dir, write_error=why)


def finalize_run(run: CrawlRun, reason: str, upload_budget: float = 120.0) -> CrawlResult:
    """Blocking: close files, build the manifest, upload (retrying for ``upload_budget``
    seconds). Returns what the command reports."""
    run.write_provenance(reason)
    warcs = run.writer.close()
    if run.write_error is not None:
        try:
            run.journal.close()
        except OSError as exc:  # the same full disk: the journal's last line may be lost
            logger.error("Journal not closed cleanly: %s", exc)
        run.release()
        return write_failed_result(run)
    run.journal.close()
    run.release()
    # A resumed crawl also ships the WARCs its first, killed run wrote (repaired on resume).
    warcs = sorted(set(warcs) | set((run.dir / "warc").glob("*.warc.gz")))
    return finalize_crawl(run_outcome(run, warcs), reason, upload_budget)


def run_outcome(run: CrawlRun, warcs: list[Path]) -> CrawlOutcome:
    """What one process's crawl hands its finalizer: its ledger as it stands (the page log, the
    skips and warnings are the run's own objects, not copies) and its closed WARCs."""
    return CrawlOutcome(crawl_id=run.crawl_id, tool=run.tool, seeds=run.seeds, started=run.started,
                        pages=run.pages, skipped=run.skipped, warnings=run.warnings,
                        store=run.store, dir=run.dir, warcs=warcs, job=run.job,
                        evidence=run.evidence, provenance=run.provenance, ledger=run.ledger)


def finalize_crawl(outcome: CrawlOutcome, reason: str, upload_budget: float = 120.0) -> CrawlResult:
    """Blocking: index, job state update, manifest, WACZ carrying that manifest (signed and
    timestamped when configured), the stored manifest (the WACZ's plus the WACZ, its token and the
    ``evidence`` block), upload (manifest last), job state saved. The same for one process's crawl
    and, built from its parts, a distributed one."""
    depends_on = sorted({p.revisit_of["crawl_id"] for p in outcome.pages if p.revisit_of})
    sealer = Sealer(outcome.evidence, outcome.tool)
    with tempfile.TemporaryDirectory(prefix="citewarc-package-") as scratch:
        originals = copy_originals(outcome, Path(scratch))
        indexed = None
        try:
            indexed = index_crawl(outcome.dir, outcome.crawl_id, outcome.warcs, outcome.pages,
                                  originals=originals, text_dir=outcome.text_dir)
        except Exception as exc:  # the WARCs are the evidence; a failed package must not lose them
            logger.exception("Could not build the replay index and WACZ: %s", exc)
            outcome.warnings.append(f"no replay index or WACZ: {exc}")
        update = state_update(outcome, outcome.job) if outcome.job is not None else None
        if update is not None:
            try:
                write_update(outcome.dir, update)
            except OSError as exc:  # the crawl still goes up: only a kill before its state is saved
                logger.error("Could not keep this crawl's job state update in the spool: %s", exc)
                outcome.warnings.append(f"job state update not kept in the spool: {exc}")
        # Files finalize makes itself, left by a killed earlier attempt: made again below.
        made_here = sealed_keys(outcome.crawl_id) | {citations_key(outcome.crawl_id)}
        files = [(k, p) for k, p in spooled_files(outcome.dir, outcome.crawl_id)
                 if k not in made_here]
        entries = file_entries(files) + outcome.stored_files
        manifest = build_manifest(
            crawl_id=outcome.crawl_id,
            tool=outcome.tool,
            seeds=outcome.seeds,
            started=outcome.started,
            finished=datetime.now(UTC),
            pages=outcome.pages,
            files=entries,
            store=outcome.store.uri,
            extra=manifest_extra(outcome, depends_on),
        )
        manifest["finish_reason"] = reason
        ledger = write_crawl_ledger(outcome, manifest)  # listed, so the WACZ carries it too
        # The copy the WACZ carries waits under a temporary name: a manifest.json in the spool
        # means "ready for push", which this one is not until the WACZ is made.
        carried = outcome.dir / (MANIFEST_NAME + ".wacz.tmp")
        write_manifest(carried, manifest)
        wacz = None
        if indexed is not None:
            wacz = package_and_seal(outcome, indexed, [e["key"] for e in manifest["files"]], carried,
                                    sealer)
        carried.unlink(missing_ok=True)
    warnings_before = len(manifest["warnings"])
    manifest = sealed_manifest(manifest, outcome, wacz, sealer)
    if ledger is not None:
        write_crawl_report(outcome, ledger, manifest)
    for warning in manifest["warnings"][warnings_before:]:
        logger.warning("%s", warning)
    manifest_path = outcome.dir / MANIFEST_NAME
    write_manifest(manifest_path, manifest)
    entries = manifest["files"]
    result = CrawlResult(crawl_id=outcome.crawl_id, manifest=manifest, store_uri=outcome.store.uri)
    try:
        report = upload_crawl(outcome.store, outcome.dir, outcome.crawl_id, entries,
                              budget=upload_budget, manifest_data=manifest)
    except Exception as exc:  # a bug or an unexpected store error: the files stay in the spool
        logger.exception("Upload failed unexpectedly")
        report = UploadReport(failed=[("", f"upload failed: {type(exc).__name__}: {exc}")],
                              pending=[e["key"] for e in entries])
    if report.ok:
        result.manifest_location = outcome.store.location(manifest_key(outcome.crawl_id))
        if update is not None:
            save_state(outcome, outcome.job, update)
    else:
        _, why = report.failed[0]
        result.storage_error = why
        result.spool_dir = outcome.dir
        result.pending = report.pending
        logger.error("Storage failed for %d file(s); they wait in %s", len(report.pending),
                     outcome.dir)
    return result


def sealed_keys(crawl_id: str) -> set[str]:
    """The files made after the manifest the WACZ carries: the WACZ, its timestamp token and the
    report (it shows the signature)."""
    return {wacz_key(crawl_id), timestamp_token_key(crawl_id), report_key(crawl_id)}


def write_crawl_ledger(outcome: CrawlOutcome, manifest: dict) -> dict | None:
    """The citation ledger (``citations.json``: each citation's fate, its capture, what the
    independent archives hold, asked now within their time budget), added to ``manifest``'s files
    before the WACZ is made, so the WACZ carries it and its signature covers it. None, and a
    warning, when it cannot be built: the crawl is stored without it (``citewarc report`` can
    build it later from the stored files)."""
    try:
        ledger, path = write_citations(outcome.dir, manifest, outcome.warcs,
                                       text_dir=outcome.text_dir, lookups=outcome.ledger.lookups,
                                       lookups_note=outcome.ledger.note)
    except Exception as exc:  # the captures are the evidence; a failed ledger must not lose them
        logger.exception("Could not build the citation ledger: %s", exc)
        outcome.warnings.append(f"no citation ledger: {exc}")
        return None
    manifest["files"] = sorted(manifest["files"] + file_entries([(citations_key(outcome.crawl_id), path)]),
                               key=lambda f: f["key"])
    manifest["summary"]["fates"] = {k: n for k, n in fate_counts(ledger).items() if n}
    return ledger


def write_crawl_report(outcome: CrawlOutcome, ledger: dict, manifest: dict) -> None:
    """``report.html`` (the ledger for people, with the signature's status: made after sealing),
    listed in the stored manifest beside the WACZ and its token."""
    try:
        path = write_report(outcome.dir, ledger, manifest, text_dir=outcome.text_dir)
    except Exception as exc:  # noqa: BLE001 - the report is a view; the ledger is in the WACZ
        logger.exception("Could not write report.html: %s", exc)
        manifest["warnings"].append(f"no report.html: {exc}")
        return
    manifest["files"] = sorted(manifest["files"] + file_entries([(report_key(outcome.crawl_id), path)]),
                               key=lambda f: f["key"])


def write_manifest(path: Path, manifest: dict) -> None:
    with open(path, "w", encoding="utf-8") as out:  # streamed: no second copy as one str
        json.dump(manifest, out, ensure_ascii=False, indent=1)


def package_and_seal(outcome: CrawlOutcome, indexed: Indexed, keys: list[str], manifest: Path,
                     sealer: Sealer) -> WrittenWacz | None:
    """The WACZ with the crawl's files and its ``manifest`` (just written), signed and
    timestamped as configured; the token also beside it. None (and a warning) when it fails."""
    folders = [outcome.dir] + ([outcome.text_dir] if outcome.text_dir is not None else [])
    bundle = [*bundle_files(keys, folders), BundleFile(MANIFEST_IN_WACZ, manifest)]
    try:
        wacz = package_indexed(indexed, outcome.dir, outcome.crawl_id,
                               title=f"citewarc crawl {outcome.crawl_id}: {' '.join(outcome.seeds)}",
                               software=outcome.tool, bundle=bundle, signer=sealer.signer,
                               timestamper=sealer.timestamper, extras=package_extras(outcome))
    except Exception as exc:  # the WARCs are the evidence; a failed package must not lose them
        logger.exception("Could not build the WACZ: %s", exc)
        outcome.warnings.append(f"no WACZ: {exc}")
        return None
    if wacz.token is not None:
        token = outcome.dir / key_in_crawl(timestamp_token_key(outcome.crawl_id))
        token.parent.mkdir(parents=True, exist_ok=True)
        token.write_bytes(wacz.token)
    return wacz


def package_extras(outcome: CrawlOutcome) -> dict | None:
    """``datapackage.json``'s ``extras``: the crawl's provenance (what captured it, how, from
    where), so the signature covers it too."""
    if outcome.provenance is None:
        return None
    return {"citewarc": {"provenance": outcome.provenance}}


def sealed_manifest(manifest: dict, outcome: CrawlOutcome, wacz: WrittenWacz | None,
                    sealer: Sealer) -> dict:
    """The stored manifest: the one the WACZ carries, plus the WACZ and its token in ``files``,
    the ``evidence`` block, and a warning (and a marker for ``push``) when the timestamp waits."""
    extra = [(k, outcome.dir / key_in_crawl(k)) for k in sorted(sealed_keys(outcome.crawl_id))]
    extra = [(k, p) for k, p in extra if wacz is not None and p.is_file()]
    stored = dict(manifest)
    stored["files"] = sorted(manifest["files"] + file_entries(extra), key=lambda f: f["key"])
    stored["evidence"] = sealer.evidence(wacz)
    timestamp = stored["evidence"]["timestamp"]
    if timestamp["status"] == PENDING:
        stored["warnings"] = [*manifest["warnings"], (
            f"not timestamped: {timestamp['error']}; the crawl is stored without trusted time "
            f"until `citewarc verify --timestamp {outcome.crawl_id}` or the next `citewarc push` "
            "stamps it")]
        try:
            mark_pending(outcome.dir, outcome.crawl_id, timestamp["tsa_url"])
        except OSError as exc:
            logger.error("Could not mark the timestamp of %s as pending in the spool: %s",
                         outcome.crawl_id, exc)
    return stored
