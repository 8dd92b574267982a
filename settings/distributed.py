"""Settings of a crawl shared by many worker processes through Redis (``--redis URL``, issue 12).

Not a settings module of its own: ``--redis`` lays these over whichever module the crawl uses
(``settings.base``, ``settings.test``, CITEWARC_SETTINGS), at command-line priority, with the key
templates filled in for the crawl (``{crawl_id}``). Nothing here imports scrapy-redis: the class
paths are strings, loaded by Scrapy only when a crawl runs distributed, so a crawl without Redis
imports nothing from scrapy-redis or redis-py. Measured facts behind each choice (scrapy-redis
0.9.1, redis-py 8.1, Scrapy 2.19, Debian redis-server 7.0): docs/distributed-design.md.
"""

# --- scrapy-redis: the shared request queue ------------------------------------------------------
# The queue lives in Redis, so any worker pops the next request, whoever found it. citewarc's
# subclass of scrapy-redis's Scheduler keeps redirect hops and retries in the worker that holds
# their page (a local queue served first: a page's chain is fetched, written and committed by one
# worker), counts stats without the deprecated spider= argument, and gives its Redis client
# redis-py's Retry (crawler/distributed/scheduler.py).
SCHEDULER = "crawler.distributed.scheduler.CrawlScheduler"
# A sorted set scored by -priority: seeds (30) before citations (20) before requisites (10), less
# per hop, as in a single-process crawl. (Fifo/LifoQueue would lose the priorities.) scrapy-redis's
# own PriorityQueue pops without acknowledgement, so a killed worker's popped requests are lost
# (bench/spike_redis_workers.py B); citewarc's subclass pops into the worker's in-flight hash in one
# Lua script, its members prefixed with the page key so the pop skips committed pages
# (crawler/distributed/queue.py; spike E and F).
SCHEDULER_QUEUE_CLASS = "crawler.distributed.queue.TrackedPriorityQueue"
# Never clear the queue when a worker closes: scrapy-redis's Scheduler.close() flushes the queue
# and the filter unless persist is on, so the first worker to finish would wipe the others' work.
# (Its flush also calls the filter's clear(), which Scrapy's BaseDupeFilter lacks.)
SCHEDULER_PERSIST = True
# A worker joining a crawl must not empty it.
SCHEDULER_FLUSH_ON_START = False
# The priority queue does not block on pop (the timeout is ignored); idling is the engine's loop.
SCHEDULER_IDLE_BEFORE_CLOSE = 0
# No filter in the scheduler: the spider already decides, before a request is journaled and
# counted against max_pages, whether a URL was seen, on our canonical key (tracking parameters
# stripped, w3lib canonical form). scrapy-redis's RFPDupeFilter would fingerprint a different
# form (canonicalize_url of the URL as sent, tracking parameters kept) and would also swallow
# retries and redirect hops re-queued through the scheduler. The spider's set moves to Redis
# instead (SADD on CITEWARC_REDIS_SEEN_KEY: 1 = first, 0 = seen), which is what makes "every URL
# fetched once" hold across workers. Scrapy's BaseDupeFilter (what settings.base names) breaks
# scrapy-redis's Scheduler on Scrapy 2.19 (no from_settings, no clear): this one lets all through.
DUPEFILTER_CLASS = "crawler.distributed.dupefilter.NoDupeFilter"
# Requests carry Capture dataclasses in their meta once a redirect hop was archived: pickle
# (scrapy-redis's default) carries them, JSON would not. Pickle from Redis runs code: the Redis
# of a crawl must be private to its workers (loopback, a private network, requirepass).
SCHEDULER_SERIALIZER = "scrapy_redis.picklecompat"

# --- The worker's end of a crawl -------------------------------------------------------------------
# Laid over the crawl's EXTENSIONS by the worker (crawler/distributed/process.py): a worker never
# writes a manifest of its own (FinalizeCrawl off); WorkerCommit commits its finished pages as parts
# and, in the one worker Redis picks, merges every part into the crawl's manifest, index and WACZ.
CITEWARC_REDIS_EXTENSIONS = {
    "pipelines.finalize.FinalizeCrawl": None,
    "crawler.distributed.worker.WorkerCommit": 900,
}
# Laid over the crawl's DOWNLOADER_MIDDLEWARES the same way: robots.txt is fetched once per host for
# the whole crawl (the first worker that needs it) and shared through Redis, not once per worker
# (crawler/distributed/robots.py; Scrapy's own middleware sits at 100 too).
CITEWARC_REDIS_DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.distributed.robots.SharedRobotsTxtMiddleware": 100,
}

# --- citewarc's frontier: which URLs are the crawl's, max_pages, for every worker at once ---------
# Claims a URL on the shared seen set, counts it on the shared counter and queues its request in one
# Lua script (crawler/distributed/frontier.py), instead of StorySpider's in-memory LocalFrontier.
CITEWARC_FRONTIER = "crawler.distributed.frontier.RedisFrontier"

# --- Keys of one crawl (filled in per crawl: ``{crawl_id}``) ---------------------------------------
# Every key of a crawl starts with citewarc:crawl:<id>: so crawls never share a queue or a seen set,
# and one SCAN (or DEL) finds (or drops) all of a crawl. scrapy-redis formats these with
# %(spider)s only; the crawl id is put in before Scrapy sees them (a crawl id has no '%').
SCHEDULER_QUEUE_KEY = "citewarc:crawl:{crawl_id}:requests"
SCHEDULER_DUPEFILTER_KEY = "citewarc:crawl:{crawl_id}:dupefilter"  # unused while the filter is off
CITEWARC_REDIS_ROBOTS_KEY = "citewarc:crawl:{crawl_id}:robots"  # hash: host -> its robots.txt body
CITEWARC_REDIS_ROBOTS_CLAIMS_KEY = "citewarc:crawl:{crawl_id}:robots-claims"  # hash: host -> claim expiry
CITEWARC_REDIS_SEEN_KEY = "citewarc:crawl:{crawl_id}:seen"  # canonical keys: the spider's _seen
CITEWARC_REDIS_CRAWL_KEY = "citewarc:crawl:{crawl_id}"  # hash: what `archive --redis` announced
CITEWARC_REDIS_CRAWL_ID = "{crawl_id}"  # the crawl id itself: what the crawls zset names
CITEWARC_REDIS_INFLIGHT_KEY = "citewarc:crawl:{crawl_id}:inflight:{worker}"  # hash: key -> request
CITEWARC_REDIS_WORKERS_KEY = "citewarc:crawl:{crawl_id}:workers"  # set of worker ids that joined
CITEWARC_REDIS_HOLDERS_KEY = "citewarc:crawl:{crawl_id}:holders"  # set: workers whose pops filled a hash
CITEWARC_REDIS_ALIVE_KEY = "citewarc:worker:{worker}:alive"  # heartbeat, expires after the timeout
CITEWARC_REDIS_PARTS_KEY = "citewarc:crawl:{crawl_id}:parts"  # list of part-manifest store keys
CITEWARC_REDIS_DONE_KEY = "citewarc:crawl:{crawl_id}:done"  # committed page keys: first commit wins
CITEWARC_REDIS_SCHEDULED_KEY = "citewarc:crawl:{crawl_id}:scheduled"  # INCR: max_pages across workers
CITEWARC_REDIS_SEEDING_KEY = "citewarc:crawl:{crawl_id}:seeding"  # SET NX: the worker that seeds
CITEWARC_REDIS_SEEDED_KEY = "citewarc:crawl:{crawl_id}:seeded"  # set once every seed is claimed
CITEWARC_REDIS_FINALIZER_KEY = "citewarc:crawl:{crawl_id}:finalizer"  # SET NX: the one who merges
CITEWARC_REDIS_CRAWLS_KEY = "citewarc:crawls"  # sorted set of open crawl ids: what workers serve

# --- Worker liveness, polling, outages, the worker cap ----------------------------------------------
# citewarc's own knobs for shared crawls (heartbeat, visibility timeout, poll, outage, max workers)
# are in settings/base.py, with the other CITEWARC_ settings, so CITEWARC_<NAME>=value in a worker's
# environment and the test settings can set them (this overlay would override them).
# Arguments of every worker's Redis client (scrapy-redis's and citewarc's): a dead connection is
# noticed instead of hanging. The retry itself (sized by CITEWARC_REDIS_OUTAGE) is added when the
# client is made (crawler/distributed/connection.py): a Retry object here would import redis-py.
REDIS_PARAMS = {"socket_timeout": 30, "socket_connect_timeout": 30}

# --- Politeness across workers ---------------------------------------------------------------------
# Not a setting here: each worker's per-host limits are the crawl's divided by its worker cap
# (crawler.distributed.config.divided_politeness: CONCURRENT_REQUESTS_PER_DOMAIN // max_workers,
# DOWNLOAD_DELAY x max_workers, AutoThrottle's target / max_workers), so a host sees no more of the
# crawl than of a single process, up to CONCURRENT_REQUESTS_PER_DOMAIN workers.
