"""Finalize an open distributed crawl from outside its workers: ``citewarc finalize CRAWL_ID`` and
``archive --redis`` when every worker it started exited and none finalized.

Only when nothing is left to fetch (the queue empty, no live worker holding a request, the crawl
seeded) and nobody else is finalizing it: a finalizer whose heartbeat has expired is taken over.
Once the crawl's time limit has passed (its ``deadline``), requests may remain queued: no live
worker may hold one, and the finalizer lists every queued one as skipped (``LimitEnd``), as a
single process lists the requests its time limit kept it from making.
The merge itself is ``pipelines.parts.finalize_parts`` (section B); the Redis side is
``crawler.distributed.coordination.Coordination`` (section A); both imported late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.distributed.announce import CrawlSpec
from crawler.distributed.deadline import deadline_passed, queued_urls, skipped_entries, unclaimed_seeds
from crawler.distributed.process import new_worker_id, worker_settings
from crawler.distributed.result import ResultRecord, result_record
from crawler.errors import UsageError

logger = logging.getLogger("citewarc.finalize")


class NotReady(UsageError):
    """The crawl cannot be finalized now: requests remain, a live worker holds some, it was never
    seeded, or a live finalizer is at work. Exit 2 for ``citewarc finalize``."""


@dataclass(frozen=True)
class Finalized:
    """What finalizing gave: the crawl's result (for the summary) and the record stored in Redis."""

    result: Any  # pipelines.run.CrawlResult
    record: ResultRecord


@dataclass(frozen=True)
class LimitEnd:
    """How a crawl ends when its time limit passed: what was still queued, as ``skipped`` entries,
    and the finish reason a single process's time limit gives."""

    skipped: list[dict[str, str]]
    reason: str


def past_deadline(spec: CrawlSpec, now: float | None = None) -> bool:
    """The crawl had a time limit and its deadline is over (this machine's clock)."""
    return deadline_passed(spec.deadline, time.time() if now is None else now)


def limit_end(spec: CrawlSpec, coordination: Any, seen_key: str) -> LimitEnd:
    """What is still queued, and the seeds nobody claimed, listed as skipped with the limit's
    reason (the same words as a single process: ``time_limit (<limit>) reached``). Call once this
    process holds the finalizer: from then on nobody pops, so the queue it reads is what was never
    fetched. ``seen_key``: the crawl's seen set (``CITEWARC_REDIS_SEEN_KEY``)."""
    from scrapy_redis import picklecompat  # noqa: PLC0415 - the queue's serializer (SCHEDULER_SERIALIZER)

    from crawler.extensions.time_limit import TIME_LIMIT_REASON, skip_reason  # noqa: PLC0415

    reason = skip_reason(float(spec.settings.get("CITEWARC_TIME_LIMIT") or 0))
    seeds = unclaimed_seeds(spec.seeds, lambda keys: [bool(x) for x in
                                                      coordination.server.smismember(seen_key, keys)])
    urls = list(dict.fromkeys([*seeds, *queued_urls(coordination.queued_members(), picklecompat.loads)]))
    return LimitEnd(skipped_entries(urls, reason), TIME_LIMIT_REASON)


def worker_command_hint(crawl_id: str) -> str:
    return f"citewarc worker --redis URL --crawl {crawl_id}"


def finalize_open_crawl(spec: CrawlSpec, redis_url: str, spool: Path, who: str | None = None) -> Finalized:
    """Claim the finalizer's role for ``spec``'s crawl (or take it over from a dead finalizer),
    merge its committed parts into the manifest, index and WACZ in the store, record the result in
    the crawl hash and close the crawl in Redis. ``NotReady`` when it cannot be finalized now."""
    from crawler.config import configured_store  # noqa: PLC0415
    from crawler.distributed.coordination import Coordination  # noqa: PLC0415 - section A
    from crawler.session import check_signing_key  # noqa: PLC0415
    from pipelines.evidence.seal import evidence_options  # noqa: PLC0415
    from pipelines.ledger.crawl_ledger import ledger_options  # noqa: PLC0415

    who = who or f"finalize-{new_worker_id()}"
    settings = worker_settings(spec, redis_url, who, spool)
    check_signing_key(settings)  # a broken key file: exit 2 before claiming the crawl
    coordination = Coordination.from_settings(settings, worker=who)
    coordination.beat()  # alive before claiming: a finalizer without a heartbeat is taken over
    dead = coordination.requeue_dead()
    if dead:
        logger.info("Requeued the in-flight requests of dead workers of %s: %s", spec.crawl_id, dead)
    past = past_deadline(spec)
    claim_finalizer(coordination, spec.crawl_id, who, past)
    with heartbeat(coordination, settings.getfloat("CITEWARC_REDIS_HEARTBEAT")):
        store = configured_store(settings)
        result = merge_crawl(spec, store, coordination.parts(),
                             Path(settings.get("CITEWARC_SPOOL")) / "finalize" / spec.crawl_id,
                             settings.getfloat("CITEWARC_UPLOAD_RETRY_BUDGET"),
                             evidence=evidence_options(settings), ledger=ledger_options(settings),
                             limit=limit_end(spec, coordination, settings.get("CITEWARC_REDIS_SEEN_KEY"))
                             if past else None)
        record = result_record(result, finish=worker_command_hint(spec.crawl_id))
        coordination.set_result(record.to_dict())
        if result.storage_error is None:  # else it stays open: `citewarc finalize` tries again
            coordination.close_crawl()
    return Finalized(result, record)


def claim_finalizer(coordination: Any, crawl_id: str, who: str, past_deadline: bool = False) -> None:
    """Become the crawl's one finalizer, or raise ``NotReady`` saying why not. ``past_deadline``:
    the crawl's time limit is over, so requests still queued do not keep it open."""
    queued = coordination.queued()
    if queued and not past_deadline:
        raise NotReady(f"crawl {crawl_id} is not finished: {queued} request(s) still queued; start "
                       f"a worker to fetch them (`{worker_command_hint(crawl_id)}`)")
    holder = coordination.finalizer()
    if holder and holder != who:
        if coordination.finalizer_alive():
            raise NotReady(f"crawl {crawl_id} is being finalized by worker {holder}")
        if not coordination.take_over_finalizer(who):
            raise NotReady(f"crawl {crawl_id}: could not take over from its finalizer {holder}")
        logger.info("Took over finalizing %s from %s (its heartbeat expired)", crawl_id, holder)
        return
    if holder == who or coordination.try_finish(past_deadline):
        return
    workers = sorted(coordination.workers())
    raise NotReady(f"crawl {crawl_id} is not finished: live worker(s) {', '.join(workers) or 'none'} "
                   "still hold requests, or no worker has seeded it yet "
                   f"(`{worker_command_hint(crawl_id)}`)")


def merge_crawl(spec: CrawlSpec, store: Any, part_refs: list[tuple[str, list[str]]], work_dir: Path,
                upload_budget: float, job: Any = None, evidence: Any = None, ledger: Any = None,
                limit: LimitEnd | None = None) -> Any:
    """Blocking: the committed parts merged into one crawl in the store
    (``pipelines.distributed_finalize.finalize_parts``); a ``CrawlResult``. A job's run (``job``:
    its ``JobRun``, else loaded from the store now) also records the feed entries it took, read
    from the committed seed pages, and saves the job's state. ``limit``: the crawl's time limit
    ended it (what was still queued is skipped)."""
    from pipelines.distributed_finalize import finalize_parts  # noqa: PLC0415
    from pipelines.job_state import JobRun  # noqa: PLC0415
    from pipelines.parts import Announced, feed_entries_taken, read_parts  # noqa: PLC0415

    parts = read_parts(store, part_refs)
    seeds = list(spec.seeds)
    job_name = spec.settings.get("CITEWARC_JOB_NAME")
    if job is None and job_name:
        feeds = [*spec.settings.get("CITEWARC_FEEDS", []), *spec.settings.get("CITEWARC_SITEMAPS", [])]
        job = JobRun.load(store, job_name, feeds)
    if job is not None:
        taken = feed_entries_taken(parts)
        job.new_feed_entries.update(taken)
        seeds += [url for url in taken.values() if url not in seeds]
    announced = Announced(crawl_id=spec.crawl_id, tool=spec.tool, seeds=seeds,
                          started=datetime.fromisoformat(spec.started.replace("Z", "+00:00")),
                          store_uri=spec.store_uri, job=job)
    ended = limit or LimitEnd(skipped=[], reason="finished")
    return finalize_parts(announced, store, parts, work_dir, upload_budget, evidence, ledger,
                          not_fetched=ended.skipped, reason=ended.reason)


@contextmanager
def heartbeat(coordination: Any, every: float) -> Iterator[None]:
    """Keep the finalizer's alive key fresh while it merges (minutes for a big crawl), so nobody
    takes over a live finalizer. Errors are logged, never raised: a missed beat costs a takeover
    at worst, and the merge is idempotent."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                coordination.beat()
            except Exception as exc:  # noqa: BLE001 - a heartbeat must never stop the merge
                logger.warning("heartbeat failed: %s", exc)

    thread = threading.Thread(target=beat, name="citewarc-finalize-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
