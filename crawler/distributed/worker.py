"""The Scrapy side of a worker in a crawl shared through Redis: join, heartbeat, commit, finish.

Replaces ``pipelines.finalize.FinalizeCrawl`` in a worker (``settings.distributed``): a worker
never writes a manifest of its own. While it works it keeps its alive key fresh and puts back the
requests of workers whose key expired; whenever it runs out of work it commits what it finished
(``crawler.distributed.commit``), then asks Redis whether the whole crawl is over (nothing queued,
nothing held by a live worker); the one worker Redis lets finalize merges every committed part
into the crawl's manifest, index and WACZ (``pipelines.merge.finalize_parts``). A worker that
finds nothing to do waits, looking again every ``CITEWARC_REDIS_POLL`` seconds: another worker's
page may still cite something.

A crawl with a time limit: each worker's ``CrawlTimeLimit`` fires at the crawl's deadline and closes
it with reason ``time_limit``; the worker commits what it finished, puts back what it popped but
did not fetch, and, if no live worker holds requests any more, finalizes the crawl with what is
still queued listed as skipped (``crawler.distributed.finalize.limit_end``). It ended with the
crawl: exit 0, as a single process stopped by its limit.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import reactor, threads
from twisted.internet.task import LoopingCall

from crawler.distributed.commit import PartCutter
from crawler.distributed.config import worker_id
from crawler.distributed.result import result_record
from crawler.extensions.time_limit import TIME_LIMIT_REASON
from pipelines.kill_hook import kill_at
from pipelines.run import CrawlResult, CrawlRun

logger = logging.getLogger(__name__)

MAX_WORKERS_REASON = "max_workers"  # close reason: the crawl had all the workers it may have
REDIS_LOST_REASON = "redis_unavailable"  # close reason: Redis stayed down past the outage budget


@dataclass
class WorkerResult:
    """What one worker process did in its crawl: the command's exit code comes from it."""

    crawl_id: str
    worker: str
    reason: str  # Scrapy's close reason
    pages: int  # pages this worker committed
    parts: int
    finalized: CrawlResult | None = None  # set in the one worker that finalised the crawl
    uncommitted: bool = False  # finished pages it could not commit (they go back to the queue)
    joined: bool = True

    @property
    def stopped(self) -> str | None:
        """Why the worker left before the crawl's end (None: it ended with the crawl, finished or
        at its time limit)."""
        return None if self.reason in ("finished", TIME_LIMIT_REASON) else self.reason


class WorkerCommit:
    """Heartbeat, parts and the end of the crawl, for one worker process (design 3.4-3.6)."""

    def __init__(self, crawler: Any, coordination: Any, cutter: PartCutter, heartbeat: float,
                 poll: float, upload_budget: float) -> None:
        self.crawler = crawler
        self.coordination = coordination
        self.cutter = cutter
        self.heartbeat = heartbeat
        self.poll = poll
        self.upload_budget = upload_budget
        self.busy = False  # a cut or the finalize runs in a thread
        self._work: Any = None  # its Deferred: closing waits for it (a time limit comes at any moment)
        self.joined = False
        self.seeded = False
        self.over = False  # the crawl is finalised (by this worker or another): close when idle
        self.finalized: CrawlResult | None = None
        self.result: WorkerResult | None = None
        self.uncommitted = False
        self._heart: LoopingCall | None = None
        self._beat_failing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerCommit:
        from crawler.distributed.coordination import Coordination  # noqa: PLC0415 - Redis only here

        settings = crawler.settings
        worker = worker_id(settings)
        coordination = Coordination.from_settings(settings, worker)
        budget = settings.getfloat("CITEWARC_UPLOAD_RETRY_BUDGET")
        cutter = PartCutter(CrawlRun.of(crawler), coordination, worker, budget)
        ext = cls(crawler, coordination, cutter, settings.getfloat("CITEWARC_REDIS_HEARTBEAT"),
                  settings.getfloat("CITEWARC_REDIS_POLL"), budget)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def run(self) -> CrawlRun:
        return self.cutter.run

    # --- joining and staying alive -----------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        if not self.coordination.join():
            logger.warning("Crawl %s already has its %s worker(s): %s does not join",
                           self.run.crawl_id, self.coordination.max_workers, self.cutter.worker)
            self._close(MAX_WORKERS_REASON)
            return
        self.joined = True
        logger.info("Worker %s joined crawl %s", self.cutter.worker, self.run.crawl_id)
        self._heart = LoopingCall(self._beat)
        self._heart.start(self.heartbeat, now=False)

    def _beat(self) -> None:
        """Never raises: a LoopingCall stops for good on its first error, and a worker whose
        heartbeat stopped is taken for dead while it works (bench/spike_redis_workers.py D)."""
        try:
            self.coordination.beat()
            requeued = self.coordination.requeue_dead()
        except Exception as exc:  # noqa: BLE001 - Redis down past its retries: say so, go on
            if not self._beat_failing:
                logger.error("Heartbeat to Redis failed (%s); retrying", exc)
            self._beat_failing = True
            return
        if self._beat_failing:
            logger.info("Heartbeat to Redis works again")
        self._beat_failing = False
        self._log_requeued(requeued)

    @staticmethod
    def _log_requeued(requeued: dict[str, int]) -> None:
        for dead, count in requeued.items():
            logger.warning("Worker %s stopped answering: its %d request(s) are back in the queue",
                           dead, count)

    # --- out of work ---------------------------------------------------------------------------

    def spider_idle(self, spider: Any) -> None:
        if not self.joined or self.over:
            return  # let the spider close
        if self.busy:
            raise DontCloseSpider
        try:
            if not self.seeded:  # start() is exhausted once the engine reports idle
                self.coordination.mark_seeded()
                self.seeded = True
            if self.cutter.pending():
                self._in_thread(self._cut)
                raise DontCloseSpider
            self._log_requeued(self.coordination.requeue_dead())
            if not self.uncommitted:
                # Idle: whatever this worker still holds is nothing it is working on (a popped
                # request that produced no page, a pop whose reply was lost).
                self.coordination.requeue_own()
            if self.coordination.try_finish():
                logger.info("Crawl %s: queue drained and nothing held; %s finalises it",
                            self.run.crawl_id, self.cutter.worker)
                self._in_thread(self._finalize)
                raise DontCloseSpider
            if self.coordination.finalizer() or self.coordination.closed():
                self.over = True  # another worker finalises (or has finalised) the crawl
                return
        except DontCloseSpider:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis gone past the outage budget
            logger.error("Redis unavailable (%s): worker %s stops; its requests go back to the "
                         "queue once its heartbeat expires", exc, self.cutter.worker)
            self._close(REDIS_LOST_REASON)
            return
        self._rearm(self.poll)
        raise DontCloseSpider

    def _cut(self) -> None:
        try:
            self.cutter.cut()
            self.uncommitted = False
        except Exception as exc:  # noqa: BLE001 - the store or Redis failed: try again later
            self.uncommitted = True
            logger.error("Could not commit finished pages (%s); trying again", exc)

    def _finalize(self, past_deadline: bool = False) -> None:
        """Blocking: merge the crawl (this worker holds the finalizer). ``past_deadline``: decided
        when the finalizer was claimed, so the end is judged once."""
        from crawler.distributed.announce import read_spec  # noqa: PLC0415
        from crawler.distributed.finalize import limit_end, merge_crawl  # noqa: PLC0415

        kill_at("before_finalize")  # test hook: a finalizer dies; `citewarc finalize` takes over
        run = self.run
        spec = read_spec(self.coordination.server, run.crawl_id)
        if spec is None:
            raise RuntimeError(f"crawl {run.crawl_id} is no longer announced in Redis")
        # The job's state as this worker read it at its start, as a single run does.
        result = merge_crawl(spec, run.store, self.coordination.parts(),
                             run.dir.parent / f"{run.crawl_id}.finalize", self.upload_budget, run.job,
                             evidence=run.evidence, ledger=run.ledger,
                             limit=limit_end(spec, self.coordination,
                                             self.crawler.settings.get("CITEWARC_REDIS_SEEN_KEY"))
                             if past_deadline else None)
        self.coordination.set_result(result_record(result).to_dict())
        if result.storage_error is None:
            self.coordination.close_crawl()
        self.finalized = result
        self.over = True

    def _in_thread(self, work: Any) -> None:
        """Run blocking ``work`` off the reactor, the scheduler paused meanwhile (a part must
        close WARC files that hold only pages it commits)."""
        self.busy = True
        scheduler = self.crawler.engine.scheduler
        scheduler.paused = True

        def done(outcome: Any) -> None:
            self.busy = False
            scheduler.paused = False
            if hasattr(outcome, "printTraceback"):
                logger.error("Worker step failed: %s", outcome.getErrorMessage())
            self._rearm(0)

        self._work = threads.deferToThread(work).addBoth(done)

    def _rearm(self, delay: float) -> None:
        """Have the engine look at the queue again in ``delay`` seconds: on its own it looks only
        every 5 s (spike S2). Scrapy has no public call for it; ``_slot.nextcall`` is the engine's
        own loop trigger."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule(delay)

    def _close(self, reason: str) -> None:
        engine = self.crawler.engine
        reactor.callLater(0, lambda: deferred_from_coro(engine.close_spider_async(reason=reason)))

    # --- leaving -------------------------------------------------------------------------------

    async def spider_closed(self, spider: Any, reason: str) -> None:
        run = self.run
        if self.busy and self._work is not None:
            # A cut or the finalize is running in a thread (the time limit, or a stop, came while the
            # worker was idle): let it end rather than cut, or finalize, a second time beside it.
            await maybe_deferred_to_future(self._work)
        if self.joined:
            if reason == TIME_LIMIT_REASON and run.limit_reached:
                # Seeds this worker had not claimed yet: a single process lists them too.
                for url in spider.waiting_seeds():
                    run.skip(url, run.limit_reached)
            if self.cutter.pending():
                await run_in_thread(self._cut)
            if reason == TIME_LIMIT_REASON and not self.over:
                await self._finish_at_deadline()
        if self._heart is not None and self._heart.running:
            self._heart.stop()
        if self.joined:
            try:
                if not self.uncommitted:
                    self.coordination.requeue_own()
                self.coordination.leave()
            except Exception as exc:  # noqa: BLE001
                logger.error("Could not leave crawl %s cleanly in Redis (%s): the others put "
                             "back what this worker held once its heartbeat expires",
                             run.crawl_id, exc)
        await run_in_thread(self._close_files)
        self.result = WorkerResult(crawl_id=run.crawl_id, worker=self.cutter.worker, reason=reason,
                                   pages=self.cutter.pages_committed, parts=self.cutter.serial,
                                   finalized=self.finalized, uncommitted=self.uncommitted,
                                   joined=self.joined)

    async def _finish_at_deadline(self) -> None:
        """At the time limit: put back what this worker popped but never fetched, then finalize the
        crawl if no live worker holds a request any more (the last one out does it; the announcer
        or ``citewarc finalize`` otherwise). The heartbeat runs on meanwhile, so nobody takes this
        finalizer for dead."""
        try:
            if self.uncommitted:
                return  # its finished pages go back to the queue; someone else finalizes
            self.coordination.requeue_own()
            self._log_requeued(self.coordination.requeue_dead())
            if not self.coordination.try_finish(past_deadline=True):
                return
        except Exception as exc:  # noqa: BLE001 - Redis gone: the announcer or `finalize` ends it
            logger.error("Could not finalize crawl %s at its time limit (%s)", self.run.crawl_id, exc)
            return
        logger.info("Crawl %s: time limit reached and nothing held; %s finalises it",
                    self.run.crawl_id, self.cutter.worker)
        try:
            await run_in_thread(self._finalize, True)
        except Exception as exc:  # noqa: BLE001 - `citewarc finalize` takes over a dead finalizer
            logger.error("Finalizing crawl %s failed: %s", self.run.crawl_id, exc)

    def _close_files(self) -> None:
        """Blocking: close the writer and the journal; the worker's spool folder goes once
        everything in it is committed (its pages are in the store and in Redis)."""
        run = self.run
        run.writer.close()
        run.journal.close()
        run.release()
        if not self.uncommitted:
            shutil.rmtree(run.dir, ignore_errors=True)


def worker_result(crawler: Any) -> WorkerResult | None:
    """The worker's result once its crawler has run (None: the crawl never opened)."""
    extensions = getattr(getattr(crawler, "extensions", None), "middlewares", ())
    ext = next((e for e in extensions if isinstance(e, WorkerCommit)), None)
    return ext.result if ext is not None else None
