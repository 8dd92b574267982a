"""The Redis side of one worker in one shared crawl: join, heartbeat, requeue of the dead, commit, finish.

Pure Redis (no Scrapy engine, no reactor): the worker extension calls it from the reactor thread, the
``citewarc finalize`` command from the command line. Every change that touches more than one key is
one Lua script, so a worker killed (or a reply lost) at any instant leaves Redis in a state some
worker can continue from, and a retried call does no harm: requeues are guarded by the dead worker's
alive key, commits by the ``:done`` set and a record of committed parts, the finish by ``SET NX``
(docs/distributed-design.md, 3.4-3.6).

The in-flight hashes are written by the queue's pop (``crawler.distributed.queue``): field = page
key, value = ``b"<score>|<member>"``, member = ``b"<page key>\\0<request>"``; putting one back is
``ZADD queue score member`` unless its page is committed already.

Liveness is the alive key alone. A worker taken for dead while it was only slow keeps working: its
requests were requeued (a page fetched twice, first commit wins), and the hash its later pops fill is
still found, because requeue and finish look at the in-flight hash of every worker in ``:holders``
(which the pop joins with each entry), not only at the members of ``:workers``. Nothing scans
Redis's keyspace, while a crawl runs or when it is closed (every key is named): a Redis shared
with other work (millions of keys) is not blocked by a script walking all of them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from scrapy.settings import BaseSettings

from crawler.distributed.config import WORKER_ID, worker_id
from crawler.distributed.connection import redis_from_settings

CLOSED_TTL = 7 * 24 * 3600  # seconds the crawl hash outlives the crawl: the announcer reads "result"
WORKER = "{worker}"

# Shared by the scripts that put in-flight entries back. parse() checks every entry before anything
# is written (a script that errors has written nothing): an entry without a score is an error, never
# dropped, as in the queue's pop. put_back() skips pages already committed (first commit wins).
LUA_ENTRIES = """
local function parse(flat)
    local out = {}
    for i = 1, #flat, 2 do
        local value = flat[i + 1]
        local bar = string.find(value, '|', 1, true)
        if bar == nil or tonumber(string.sub(value, 1, bar - 1)) == nil then return nil, flat[i] end
        out[#out + 1] = {flat[i], string.sub(value, 1, bar - 1), string.sub(value, bar + 1)}
    end
    return out
end
local function put_back(entries, queue, done)
    local n = 0
    for _, e in ipairs(entries) do
        if redis.call('SISMEMBER', done, e[1]) == 0 then
            redis.call('ZADD', queue, e[2], e[3])
            n = n + 1
        end
    end
    return n
end
"""

# KEYS: workers, alive, crawl hash. ARGV: worker, max_workers, alive milliseconds.
# 1 = joined (or already a member), 0 = refused: the crawl is full or already closed (has a result).
JOIN_SCRIPT = """
if redis.call('HEXISTS', KEYS[3], 'result') == 1 then return 0 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0
   and redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return 1
"""

# KEYS: workers, the dead worker's alive key, its in-flight hash, queue, done, holders.
# ARGV: the dead worker.
# Returns the requests put back, or -1 when there is nothing to do: the worker is alive (again), or
# another survivor requeued it first.
REQUEUE_DEAD_SCRIPT = LUA_ENTRIES + """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('SREM', KEYS[6], ARGV[1])
    return -1
end
local entries, bad = parse(redis.call('HGETALL', KEYS[3]))
if entries == nil then return redis.error_reply('in-flight entry without a score: ' .. bad) end
local n = put_back(entries, KEYS[4], KEYS[5])
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[6], ARGV[1])
return n
"""

# KEYS: this worker's in-flight hash, queue, done. ARGV: page keys to keep.
# Every other entry leaves the hash; those whose page is not committed go back to the queue.
REQUEUE_OWN_SCRIPT = LUA_ENTRIES + """
local keep = {}
for i = 1, #ARGV do keep[ARGV[i]] = true end
local entries, bad = parse(redis.call('HGETALL', KEYS[1]))
if entries == nil then return redis.error_reply('in-flight entry without a score: ' .. bad) end
local gone = {}
for _, e in ipairs(entries) do
    if not keep[e[1]] then gone[#gone + 1] = e end
end
local n = put_back(gone, KEYS[2], KEYS[3])
for _, e in ipairs(gone) do redis.call('HDEL', KEYS[1], e[1]) end
return n
"""

# KEYS: workers, alive, in-flight hash, queue, done, holders. ARGV: worker.
# Leaving puts back whatever the worker still holds: once it is out of :workers and its alive key is
# gone, nobody else would.
LEAVE_SCRIPT = LUA_ENTRIES + """
local entries, bad = parse(redis.call('HGETALL', KEYS[3]))
if entries == nil then return redis.error_reply('in-flight entry without a score: ' .. bad) end
local n = put_back(entries, KEYS[4], KEYS[5])
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[6], ARGV[1])
redis.call('DEL', KEYS[2])
return n
"""

# KEYS: in-flight hash, done, parts list, committed parts (hash part key -> its parts entry).
# ARGV: part key, then the page keys of the part.
# Returns the part's entry in :parts, JSON {"part": ..., "rejected": [...]}: rejected are the keys some
# earlier commit already put in :done. A part committed before answers its first entry, unchanged
# (a retried call whose reply was lost). Reads first, then the writes most likely to fail.
COMMIT_SCRIPT = """
local prior = redis.call('HGET', KEYS[4], ARGV[1])
if prior then return prior end
local rejected, keys, seen = {}, {}, {}
for i = 2, #ARGV do
    local key = ARGV[i]
    if not seen[key] then
        seen[key] = true
        keys[#keys + 1] = key
        if redis.call('SISMEMBER', KEYS[2], key) == 1 then rejected[#rejected + 1] = key end
    end
end
local listed = '[]'
if #rejected > 0 then listed = cjson.encode(rejected) end
local entry = '{"part":' .. cjson.encode(ARGV[1]) .. ',"rejected":' .. listed .. '}'
redis.call('RPUSH', KEYS[3], entry)
redis.call('HSET', KEYS[4], ARGV[1], entry)
for _, key in ipairs(keys) do
    redis.call('HDEL', KEYS[1], key)
    redis.call('SADD', KEYS[2], key)
end
return entry
"""

# KEYS: seeded, crawl hash. A closed crawl (its hash has a result) gets no key back from a late worker.
SEEDED_SCRIPT = """
if redis.call('HEXISTS', KEYS[2], 'result') == 1 then return 0 end
redis.call('SET', KEYS[1], '1')
return 1
"""

# KEYS: finalizer, seeded, queue, holders. ARGV: worker, in-flight key prefix and suffix around a
# worker id, "1" to claim the finalizer ("0": only say why the crawl is not done), "1" when the
# crawl's deadline has passed (what is queued then is skipped, not waited for; seeds not claimed by
# then are listed by the worker that had them).
# Returns {1, "won"|"ready"} or {0, reason}. Once claimed, the queue's pop hands out nothing.
FINISH_SCRIPT = """
if ARGV[4] == '1' then
    local holder = redis.call('GET', KEYS[1])
    if holder then
        if holder == ARGV[1] then return {1, 'won'} end
        return {0, 'worker ' .. holder .. ' finalizes the crawl'}
    end
end
if ARGV[5] ~= '1' then
    if redis.call('EXISTS', KEYS[2]) == 0 then return {0, 'the crawl is not seeded yet'} end
    local queued = redis.call('ZCARD', KEYS[3])
    if queued > 0 then return {0, queued .. ' requests are queued'} end
end
for _, who in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local held = redis.call('HLEN', ARGV[2] .. who .. ARGV[3])
    if held > 0 then return {0, 'worker ' .. who .. ' holds ' .. held .. ' requests'} end
end
if ARGV[4] == '1' then
    redis.call('SET', KEYS[1], ARGV[1], 'NX')
    return {1, 'won'}
end
return {1, 'ready'}
"""

# KEYS: finalizer. ARGV: who takes over, alive key prefix and suffix around a worker id.
# 1 = `who` holds the finalizer now (or held it already); 0 = nobody holds it, or its holder is alive.
TAKE_OVER_SCRIPT = """
local holder = redis.call('GET', KEYS[1])
if not holder then return 0 end
if holder == ARGV[1] then return 1 end
if redis.call('EXISTS', ARGV[2] .. holder .. ARGV[3]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

# KEYS: crawl hash, crawls zset, then every key of the crawl to delete, each named (no keyspace scan).
# ARGV: crawl id, seconds the crawl hash is kept.
CLOSE_SCRIPT = """
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# Setting -> constructor argument: the keys a worker needs, as distributed_settings fills them.
KEY_SETTINGS = {
    "crawl_key": "CITEWARC_REDIS_CRAWL_KEY",
    "queue_key": "SCHEDULER_QUEUE_KEY",
    "inflight_key_template": "CITEWARC_REDIS_INFLIGHT_KEY",
    "workers_key": "CITEWARC_REDIS_WORKERS_KEY",
    "holders_key": "CITEWARC_REDIS_HOLDERS_KEY",
    "alive_key_template": "CITEWARC_REDIS_ALIVE_KEY",
    "done_key": "CITEWARC_REDIS_DONE_KEY",
    "parts_key": "CITEWARC_REDIS_PARTS_KEY",
    "seeded_key": "CITEWARC_REDIS_SEEDED_KEY",
    "finalizer_key": "CITEWARC_REDIS_FINALIZER_KEY",
    "crawls_key": "CITEWARC_REDIS_CRAWLS_KEY",
}


class Coordination:
    """The Redis side of one worker in one crawl: join, heartbeat, requeue of the dead, commit,
    finish. Every multi-key change is one Lua script (atomic, idempotent on retry)."""

    def __init__(self, server: Any, *, crawl_key: str, queue_key: str, inflight_key_template: str,
                 workers_key: str, holders_key: str, alive_key_template: str, done_key: str, parts_key: str,
                 seeded_key: str, finalizer_key: str, crawls_key: str, crawl_id: str, worker: str,
                 max_workers: int, visibility_timeout: float, other_keys: Collection[str] = ()) -> None:
        for name, template in (("inflight_key_template", inflight_key_template),
                               ("alive_key_template", alive_key_template)):
            if template.count(WORKER) != 1:
                raise ValueError(f"{name} needs one {WORKER}: {template!r}")
        if not WORKER_ID.fullmatch(worker):
            raise ValueError(f"not a worker id: {worker!r}")
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        if visibility_timeout <= 0:
            raise ValueError(f"the visibility timeout must be positive, not {visibility_timeout}")
        self.server = server
        self.crawl_key = crawl_key
        self.queue_key = queue_key
        self.inflight_key_template = inflight_key_template
        self.workers_key = workers_key
        self.holders_key = holders_key
        self.alive_key_template = alive_key_template
        self.done_key = done_key
        self.parts_key = parts_key
        self.committed_key = f"{parts_key}:committed"  # part key -> its :parts entry (retried commits)
        self.seeded_key = seeded_key
        self.finalizer_key = finalizer_key
        self.crawls_key = crawls_key
        self.other_keys = tuple(other_keys)  # the crawl's keys the frontier and spider own (seen, ...)
        self.crawl_id = crawl_id
        self.worker = worker
        self.max_workers = max_workers
        self.visibility_timeout = visibility_timeout
        self.inflight_key = self.inflight_key_of(worker)
        self.alive_key = self.alive_key_of(worker)
        self._join = server.register_script(JOIN_SCRIPT)
        self._requeue_dead = server.register_script(REQUEUE_DEAD_SCRIPT)
        self._requeue_own = server.register_script(REQUEUE_OWN_SCRIPT)
        self._leave = server.register_script(LEAVE_SCRIPT)
        self._commit = server.register_script(COMMIT_SCRIPT)
        self._seeded = server.register_script(SEEDED_SCRIPT)
        self._finish = server.register_script(FINISH_SCRIPT)
        self._take_over = server.register_script(TAKE_OVER_SCRIPT)
        self._close = server.register_script(CLOSE_SCRIPT)

    @classmethod
    def from_settings(cls, settings: Any, worker: str | None = None) -> Coordination:
        """From a crawl's settings (``distributed_settings`` laid over): its keys, crawl id, worker cap
        and visibility timeout; the worker is ``worker_id(settings)`` unless given."""
        if not isinstance(settings, BaseSettings):
            settings = BaseSettings(settings)
        keys = {arg: settings.get(name) or "" for arg, name in KEY_SETTINGS.items()}
        crawl_id = settings.get("CITEWARC_REDIS_CRAWL_ID") or ""
        unfilled = sorted(KEY_SETTINGS[arg] for arg, key in keys.items()
                          if not key or "{" in key.replace(WORKER, ""))
        if not crawl_id or "{" in crawl_id:
            unfilled.append("CITEWARC_REDIS_CRAWL_ID")
        if unfilled:
            raise ValueError(f"the crawl's keys are not filled (distributed_settings): {unfilled}")
        return cls(redis_from_settings(settings), **keys, crawl_id=crawl_id,
                   worker=worker or worker_id(settings),
                   max_workers=settings.getint("CITEWARC_REDIS_MAX_WORKERS"),
                   visibility_timeout=settings.getfloat("CITEWARC_REDIS_VISIBILITY_TIMEOUT"),
                   other_keys=crawl_keys(settings, keys["crawl_key"]))

    # --- keys ---------------------------------------------------------------------------------------

    def inflight_key_of(self, worker: str) -> str:
        return self.inflight_key_template.replace(WORKER, worker)

    def alive_key_of(self, worker: str) -> str:
        return self.alive_key_template.replace(WORKER, worker)

    @property
    def _alive_ms(self) -> int:
        return max(1, round(self.visibility_timeout * 1000))

    # --- membership and liveness --------------------------------------------------------------------

    def join(self) -> bool:
        """Join the crawl and start the heartbeat's key; False when ``max_workers`` live workers are
        in it already or the crawl is closed. Dead members hold their place until someone requeues
        them, so a full crawl is asked once more after a requeue freed places."""
        if self._try_join():
            return True
        return bool(self.requeue_dead()) and self._try_join()

    def _try_join(self) -> bool:
        return bool(self._join(keys=[self.workers_key, self.alive_key, self.crawl_key],
                               args=[self.worker, self.max_workers, self._alive_ms]))

    def beat(self) -> None:
        """Refresh this worker's alive key. Raises on a Redis error: the caller's heartbeat loop must
        catch it (a LoopingCall stops for good on its first unhandled error)."""
        self.server.set(self.alive_key, b"1", px=self._alive_ms)

    def alive(self, worker: str) -> bool:
        return bool(self.server.exists(self.alive_key_of(worker)))

    def leave(self) -> int:
        """Leave the crawl: whatever this worker still holds goes back to the queue (pages already
        committed excepted), then it is out of ``:workers`` and its alive key is gone. Returns the
        requests put back (0 after ``requeue_own()``)."""
        return int(self._leave(keys=[self.workers_key, self.alive_key, self.inflight_key,
                                     self.queue_key, self.done_key, self.holders_key],
                               args=[self.worker]))

    def workers(self) -> set[str]:
        return {_text(w) for w in self.server.smembers(self.workers_key)}

    def inflight_owners(self) -> set[str]:
        """Workers whose pops filled an in-flight hash that no requeue or leave has emptied since
        (``:holders``), members of ``:workers`` or not. A set read, not a keyspace scan."""
        return {_text(w) for w in self.server.smembers(self.holders_key)}

    # --- requeue --------------------------------------------------------------------------------------

    def requeue_dead(self) -> dict[str, int]:
        """{dead worker: requests put back} for every other worker whose alive key is gone: a member of
        ``:workers``, or the owner of an in-flight hash (a worker taken for dead once, whose later pops
        filled a new hash). One script per dead worker, which checks the alive key again; several
        survivors doing this at once requeue each dead worker once."""
        found: dict[str, int] = {}
        for worker in sorted((self.workers() | self.inflight_owners()) - {self.worker}):
            if self.alive(worker):
                continue
            n = int(self._requeue_dead(keys=[self.workers_key, self.alive_key_of(worker),
                                             self.inflight_key_of(worker), self.queue_key,
                                             self.done_key, self.holders_key], args=[worker]))
            if n >= 0:
                found[worker] = n
        return found

    def requeue_own(self, keep: Collection[str] = ()) -> int:
        """Put this worker's in-flight entries back in the queue, except the pages in ``keep`` (and
        those committed already, which just leave the hash): an idle worker holds nothing it is
        working on, so what it holds is a pop whose reply was lost. Returns the requests put back."""
        return int(self._requeue_own(keys=[self.inflight_key, self.queue_key, self.done_key],
                                     args=list(keep)))

    def held(self) -> set[str]:
        """Page keys in this worker's in-flight hash."""
        return {_text(k) for k in self.server.hkeys(self.inflight_key)}

    def queued(self) -> int:
        return int(self.server.zcard(self.queue_key))

    # --- commit ---------------------------------------------------------------------------------------

    def already_done(self, keys: Iterable[str]) -> set[str]:
        """Which of these page keys some part has committed."""
        keys = list(keys)
        if not keys:
            return set()
        return {k for k, done in zip(keys, self.server.smismember(self.done_key, keys), strict=True)
                if done}

    def commit(self, part_key: str, keys: list[str]) -> list[str]:
        """Commit a stored part: its pages leave this worker's in-flight hash and count as done, and
        ``:parts`` lists it. Returns the page keys an earlier part committed first (the merge drops
        their rows from this part). Committing the same part again answers as the first time and
        lists nothing twice."""
        entry = self._commit(keys=[self.inflight_key, self.done_key, self.parts_key, self.committed_key],
                             args=[part_key, *keys])
        return list(json.loads(entry)["rejected"])

    def parts(self) -> list[tuple[str, list[str]]]:
        """(part key, rejected page keys) of every committed part, in commit order."""
        entries = (json.loads(e) for e in self.server.lrange(self.parts_key, 0, -1))
        return [(e["part"], list(e["rejected"])) for e in entries]

    # --- finish ---------------------------------------------------------------------------------------

    def mark_seeded(self) -> None:
        """Every seed is claimed (the spider's start() is exhausted): the crawl may finish. Nothing
        once the crawl is closed (a worker still idling after the finalizer deleted the keys)."""
        self._seeded(keys=[self.seeded_key, self.crawl_key])

    def try_finish(self, past_deadline: bool = False) -> bool:
        """True if this worker is the crawl's finalizer: the crawl is seeded, the queue is empty and no
        worker holds a request, and this worker set ``:finalizer`` first (or had set it: a retried
        call). Call ``requeue_dead()`` first: a dead worker's hash keeps the crawl unfinished.
        ``past_deadline``: the crawl's time limit is over, so only the held requests count (what is
        queued is listed as skipped, by the finalizer); from the claim on, nobody pops."""
        won, _ = self._run_finish(claim=True, past_deadline=past_deadline)
        return won

    def unfinished(self, past_deadline: bool = False) -> str | None:
        """Why the crawl cannot be finalized yet (not seeded, requests queued, a worker holds some),
        or None: what ``citewarc finalize`` prints when it refuses. Ignores the finalizer."""
        ready, reason = self._run_finish(claim=False, past_deadline=past_deadline)
        return None if ready else reason

    def _run_finish(self, *, claim: bool, past_deadline: bool) -> tuple[bool, str]:
        prefix, _, suffix = self.inflight_key_template.partition(WORKER)
        ok, reason = self._finish(keys=[self.finalizer_key, self.seeded_key, self.queue_key,
                                        self.holders_key],
                                  args=[self.worker, prefix, suffix, "1" if claim else "0",
                                        "1" if past_deadline else "0"])
        return bool(ok), _text(reason)

    def deadline(self) -> float | None:
        """The crawl's deadline (Unix seconds) as announced in the crawl hash; None without a time
        limit."""
        raw = self.server.hget(self.crawl_key, "deadline")
        return None if raw is None else float(raw)

    def queued_members(self) -> list[bytes]:
        """Every queue member, best first: what a finalizer after the deadline lists as skipped."""
        return list(self.server.zrange(self.queue_key, 0, -1))

    def finalizer(self) -> str | None:
        holder = self.server.get(self.finalizer_key)
        return None if holder is None else _text(holder)

    def finalizer_alive(self) -> bool:
        holder = self.finalizer()
        return holder is not None and self.alive(holder)

    def take_over_finalizer(self, who: str) -> bool:
        """Make ``who`` the finalizer if the holder's alive key is gone (``citewarc finalize`` after the
        finalizing worker died). False when nobody holds it (``try_finish`` decides then) or the holder
        lives. The new holder must keep its own alive key fresh (``beat``) while it finalizes."""
        prefix, _, suffix = self.alive_key_template.partition(WORKER)
        return bool(self._take_over(keys=[self.finalizer_key], args=[who, prefix, suffix]))

    def set_result(self, result: dict) -> None:
        """The finalizer's answer (exit code, manifest location) in the crawl hash, for the announcer."""
        self.server.hset(self.crawl_key, "result", json.dumps(result, sort_keys=True))

    def result(self) -> dict | None:
        raw = self.server.hget(self.crawl_key, "result")
        return None if raw is None else json.loads(raw)

    def closed(self) -> bool:
        """The crawl has its result: a worker still running has nothing left to do in it (after
        ``close_crawl`` the finalizer key is gone too)."""
        return bool(self.server.hexists(self.crawl_key, "result"))

    def close_crawl(self) -> None:
        """The crawl is no longer served (out of ``:crawls``) and every key of it is deleted, except
        the crawl hash, kept ``CLOSED_TTL`` seconds for whoever announced it to read ``result``.
        Alive keys are the workers' own: they expire."""
        named = [self.queue_key, self.workers_key, self.holders_key, self.done_key, self.parts_key,
                 self.committed_key, self.seeded_key, self.finalizer_key, *self.other_keys,
                 *(self.inflight_key_of(w) for w in self.workers() | self.inflight_owners())]
        self._close(keys=[self.crawl_key, self.crawls_key, *named],
                    args=[self.crawl_id, CLOSED_TTL])


def crawl_keys(settings: BaseSettings, crawl_key: str) -> list[str]:
    """Every ``*_KEY`` setting filled with a key of this crawl (under ``<crawl key>:``) and not one
    per worker: what ``close_crawl`` deletes by name besides the coordination's own keys, so that
    closing never scans the keyspace of a Redis shared with other work."""
    found = []
    for name in settings:
        value = settings.get(name)
        if (name.endswith("_KEY") and isinstance(value, str) and value.startswith(crawl_key + ":")
                and WORKER not in value):
            found.append(value)
    return sorted(set(found))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
