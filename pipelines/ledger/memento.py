"""What independent Memento archives (RFC 7089) hold of a cited page, and whether it says what we captured.

For each configured archive: its TimeMap of the URL (or its TimeGate, followed to a memento whose
``Link`` header names the TimeMap), the nearest mementos before and after the story's publication
(or our capture time when the story has no date), and the nearest memento's raw bytes, read with
the crawl's own extraction and compared by ``main_text_digest`` with our capture. A source that
changed after the story cited it then shows as ``differs``.

Politeness, because these are other people's archives: one ``LookupCache`` per crawl (a TimeMap per
(archive, URL), a memento's text per URI; an archive that could not be reached, or did not answer
in time ``SLOW_STRIKES`` times in a row, is not asked again),
a timeout per request, one ``Deadline`` for all lookups of a crawl, one request at a time, the
crawl's User-Agent. Every failure is recorded in the answer (``ok: false`` and one line) and never
raised: an archive being down must not fail a crawl.

Requests go through urllib's default opener, whose ``ProxyHandler`` reads ``http_proxy``,
``https_proxy`` and ``no_proxy`` from the environment, exactly as Scrapy's ``HttpProxyMiddleware``
does (it calls urllib's ``getproxies`` and ``proxy_bypass``): lookups take the crawl's proxy path.

Pure parts (``archives_from_setting``, ``parse_timemap``, ``nearest``, ``raw_memento_uri``,
``compare_texts``) take values and return values; ``lookup`` is the only I/O.
"""

from __future__ import annotations

import difflib
import email.utils
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from pipelines.ledger.link_format import Link, parse_links
from pipelines.ledger.text_digest import main_text_digest

TextMatch = Literal["same", "differs", "unknown"]

WAYBACK_TIMEMAP = "https://web.archive.org/web/timemap/link/"
ARCHIVE_TODAY_TIMEMAP = "https://archive.ph/timemap/"
DEFAULT_ARCHIVES = (WAYBACK_TIMEMAP, ARCHIVE_TODAY_TIMEMAP)
DEFAULT_TIMEOUT = 10.0  # seconds per request
DEFAULT_BUDGET = 60.0  # seconds for all lookups of a crawl
MAX_TIMEMAP_BYTES = 16 * 1024 * 1024  # the Wayback TimeMap of a busy home page runs to megabytes
MAX_MEMENTO_BYTES = 20 * 1024 * 1024
SLOW_STRIKES = 2  # timeouts in a row after which an archive is not asked again in this crawl
DEFAULT_USER_AGENT = "citewarc (web archiving of cited sources; +https://github.com/citewarc/citewarc)"

# Short names of the archives people know; any other endpoint is named by its host.
_KNOWN_HOSTS = {
    "web.archive.org": "wayback",
    "wayback.archive.org": "wayback",
    **{host: "archive.today" for host in (
        "archive.today", "archive.ph", "archive.is", "archive.li", "archive.vn", "archive.fo",
        "archive.md")},
}
# archive.today has no raw (id_) form: its memento URIs look like Wayback's but redirect to its page.
_NO_RAW_FORM = {host for host, name in _KNOWN_HOSTS.items() if name == "archive.today"}
# A Wayback-shaped memento URI: .../<14-digit timestamp><optional modifier like mp_ or im_>/<url>
_WAYBACK_SHAPE = re.compile(r"^(?P<head>[a-z][a-z0-9+.-]*://[^/]+/(?:[^?#]*?/)?)(?P<ts>\d{14})"
                            r"(?:[a-z]{2}_)?(?P<tail>/https?:.+)$", re.I)


# ---- records -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archive:
    """A Memento endpoint: the prefix a URL is appended to, and what it is called in the ledger."""

    name: str
    endpoint: str
    kind: Literal["timemap", "timegate"]

    def query_url(self, url: str) -> str:
        return self.endpoint + url.split("#", 1)[0]

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "endpoint": self.endpoint}


@dataclass(frozen=True)
class Memento:
    uri: str
    datetime: datetime  # aware, UTC

    def to_json(self) -> dict[str, str]:
        return {"uri": self.uri, "datetime": iso_utc(self.datetime)}


@dataclass(frozen=True)
class TimeMap:
    """What an archive holds of one URL: its mementos, oldest first, and the original it names."""

    mementos: tuple[Memento, ...]
    original: str | None = None


@dataclass(frozen=True)
class ArchiveAnswer:
    """One archive's answer about one citation: the ``archives`` entries of citations.json."""

    archive: str
    endpoint: str
    queried_at: str
    ok: bool
    error: str | None = None
    mementos: int | None = None
    before: Memento | None = None
    after: Memento | None = None
    text_match: TextMatch = "unknown"
    text_match_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "archive": self.archive, "endpoint": self.endpoint, "queried_at": self.queried_at,
            "ok": self.ok, "error": self.error, "mementos": self.mementos,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
            "text_match": self.text_match, "text_match_note": self.text_match_note,
        }


@dataclass(frozen=True)
class OurCapture:
    """What we captured of the cited page: its clean main text and when (the reference point when
    the story has no publication date)."""

    text: str | None
    captured_at: datetime | None = None


class Deadline:
    """The time all archive lookups of a crawl may take together (``CITEWARC_MEMENTO_BUDGET``).

    The clock starts at the first question (the first ``remaining``), not at construction: a crawl
    builds its lookups when it starts and asks the archives when it finishes."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self.seconds, self._clock = float(seconds), clock
        self._end: float | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        now = self._clock()
        with self._lock:
            if self._end is None:
                self._end = now + self.seconds
        return max(0.0, self._end - now)

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


@dataclass(frozen=True)
class _TimeMapResult:
    timemap: TimeMap | None
    error: str | None
    queried_at: str


@dataclass(frozen=True)
class _MementoText:
    text: str | None
    problem: str | None  # why there is no text to compare
    budget: bool = False  # the budget ran out first: not an answer to remember


@dataclass
class LookupCache:
    """One per crawl: what each archive said of each URL, and each memento's text, so a page cited
    by many stories (or twice in one) is asked about once; thread-safe for a crawl's threads."""

    timemaps: dict[tuple[str, str], _TimeMapResult] = field(default_factory=dict)
    texts: dict[str, _MementoText] = field(default_factory=dict)
    unreachable: dict[str, str] = field(default_factory=dict)  # endpoint -> the error that said so
    slow: dict[str, int] = field(default_factory=dict)  # endpoint -> timeouts in a row
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class LookupFailure(Exception):
    """One request to an archive failed; the message is the one line the ledger records."""

    def __init__(self, message: str, unreachable: bool = False, budget: bool = False,
                 slow: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable  # the archive itself could not be reached: ask it no more
        self.budget = budget  # the crawl's lookup budget ended it: nothing learnt, cache nothing
        self.slow = slow  # no answer in time: one URL may be slow, SLOW_STRIKES in a row is the archive


# ---- pure logic --------------------------------------------------------------------------------

def iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_name(endpoint: str) -> str:
    host = (urlsplit(endpoint).hostname or "").lower()
    return _KNOWN_HOSTS.get(host) or urlsplit(endpoint).netloc.lower() or endpoint


def archive_from_endpoint(endpoint: str) -> Archive:
    """An endpoint's kind from its shape: ``timemap`` in its path says TimeMap, anything else is a
    TimeGate (``lookup`` reads a link-format answer as a TimeMap either way)."""
    kind: Literal["timemap", "timegate"] = "timemap" if "timemap" in urlsplit(endpoint).path.lower() \
        else "timegate"
    return Archive(name=archive_name(endpoint), endpoint=endpoint, kind=kind)


def archives_from_setting(value: str | Sequence[str] | None) -> list[Archive]:
    """``CITEWARC_MEMENTO_ARCHIVES``: comma-separated endpoint prefixes (a list from a settings
    module works too); None means the defaults, an empty value means none. Names stay unique."""
    if value is None:
        entries: Sequence[str] = DEFAULT_ARCHIVES
    elif isinstance(value, str):
        entries = value.split(",")
    else:
        entries = value
    archives: list[Archive] = []
    seen: set[str] = set()
    for entry in (e.strip() for e in entries):
        if not entry or entry in seen:
            continue
        seen.add(entry)
        archive = archive_from_endpoint(entry)
        names = {a.name for a in archives}
        name, serial = archive.name, 2
        while name in names:
            name, serial = f"{archive.name}-{serial}", serial + 1
        archives.append(Archive(name, archive.endpoint, archive.kind))
    return archives


def parse_http_date(value: str) -> datetime | None:
    """An RFC 1123 date (``Sat, 10 Jan 2026 12:00:00 GMT``) as an aware UTC datetime, or None."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_published(value: str | None) -> datetime | None:
    """A story's ``published`` (text JSON ``date``: ``2026-02-01`` or a full ISO 8601 time) as the
    reference time of its lookups; a date alone is taken at 00:00 UTC. None when absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def mementos_of(links: Sequence[Link]) -> TimeMap:
    """The mementos among links (any rel holding ``memento``: ``first memento``, ``last memento``
    ...), each once, oldest first; TimeGate, TimeMap and self links are skipped, the original kept."""
    found: dict[str, Memento] = {}
    original = None
    for link in links:
        rels = link.rels
        if "original" in rels and original is None:
            original = link.uri
        if "memento" not in rels:
            continue
        when = parse_http_date(link.params.get("datetime", ""))
        if when is not None and link.uri not in found:
            found[link.uri] = Memento(link.uri, when)
    ordered = tuple(sorted(found.values(), key=lambda m: (m.datetime, m.uri)))
    return TimeMap(ordered, original)


def parse_timemap(text: str) -> list[Memento]:
    """The mementos of an RFC 7089 TimeMap in application/link-format, oldest first."""
    return list(mementos_of(parse_links(text)).mementos)


def nearest(mementos: Sequence[Memento], when: datetime) -> tuple[Memento | None, Memento | None]:
    """The last memento at or before ``when`` and the first one after it (either may be None)."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    before = after = None
    for memento in mementos:
        if memento.datetime <= when:
            if before is None or memento.datetime >= before.datetime:
                before = memento
        elif after is None or memento.datetime < after.datetime:
            after = memento
    return before, after


def closest(before: Memento | None, after: Memento | None, when: datetime) -> Memento | None:
    """Of the two, the one nearer in time to ``when`` (the one before on a tie: what the story saw)."""
    if before is None or after is None:
        return before or after
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return after if (after.datetime - when) < (when - before.datetime) else before


def raw_memento_uri(uri: str) -> str:
    """The memento as archived, not rewritten for replay: pywb and the Wayback Machine serve it with
    ``id_`` after the 14-digit timestamp (replacing a modifier such as ``mp_``); other shapes, and
    archive.today (which has no raw form), as they are."""
    host = (urlsplit(uri).hostname or "").lower()
    match = _WAYBACK_SHAPE.match(uri)
    if match is None or host in _NO_RAW_FORM:
        return uri
    return f"{match['head']}{match['ts']}id_{match['tail']}"


def compare_texts(ours: str | None, theirs: str | None, memento: Memento, which: str,
                  problem: str | None = None) -> tuple[TextMatch, str]:
    """``same``/``differs``/``unknown`` and a one-line note (which memento, similarity when they
    differ, why when it cannot be told)."""
    label = f"the memento of {iso_utc(memento.datetime)} ({which})"
    if not (ours or "").strip():
        return "unknown", f"our capture has no main text to compare with {label}"
    if problem or not (theirs or "").strip():
        return "unknown", f"{label}: {problem or 'no main text in the archived copy'}"
    if main_text_digest(ours) == main_text_digest(theirs):
        return "same", f"main text identical to {label}"
    ratio = difflib.SequenceMatcher(None, ours.split(), theirs.split(), autojunk=False).ratio()
    return "differs", f"main text differs from {label}: word similarity {ratio:.2f}"


def timegate_answer(asked: str, landed_at: str, headers: Mapping[str, str]) -> tuple[TimeMap, str | None]:
    """What a TimeGate's answer tells (RFC 7089 4.1): the mementos its ``Link`` header names, plus
    the memento it chose when the answer is one (``Memento-Datetime``): at the URL it redirected to
    (the Wayback Machine, archive.today) or at its ``Content-Location`` (pywb answers 200 in place);
    and the TimeMap it points to, if any."""
    links = parse_links(headers.get("Link", ""))
    found = mementos_of(links)
    when = parse_http_date(headers.get("Memento-Datetime", ""))
    location = headers.get("Content-Location")
    chosen = urljoin(landed_at, location) if location else (landed_at if landed_at != asked else None)
    if when is not None and chosen and chosen not in {m.uri for m in found.mementos}:
        found = TimeMap(tuple(sorted({*found.mementos, Memento(chosen, when)},
                                     key=lambda m: (m.datetime, m.uri))), found.original)
    timemap_uri = next((urljoin(landed_at, link.uri) for link in links if "timemap" in link.rels), None)
    return found, timemap_uri


# ---- I/O ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Response:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]
    body: bytes


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _describe(exc: BaseException, timeout: float, budget: Deadline | None = None) -> LookupFailure:
    """A request's failure as the line the ledger shows (``budget``: the crawl's budget, when it
    and not the per-request timeout bounded the wait)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        if budget is not None:
            return _budget_cut(budget, timeout)
        return LookupFailure(f"no answer within {timeout:.3g} s", slow=True)
    if isinstance(reason, ConnectionRefusedError):
        return LookupFailure("connection refused", unreachable=True)
    if isinstance(reason, socket.gaierror):
        return LookupFailure(f"DNS lookup failed: {_one_line(reason)}", unreachable=True)
    if isinstance(reason, OSError):
        return LookupFailure(f"connection failed: {_one_line(reason)}", unreachable=True)
    return LookupFailure(f"{type(reason).__name__}: {_one_line(reason)}")


def _budget_cut(budget: Deadline, waited: float) -> LookupFailure:
    return LookupFailure(f"cut off after {waited:.3g} s: the archive lookup budget ({budget.seconds:g} s) "
                         "ran out", budget=True)


@dataclass(frozen=True)
class _Client:
    """How one ``lookup`` call asks: an opener built for it (urllib's default handlers, so its
    ``ProxyHandler`` reads the proxy environment as it is now: ``urlopen``'s global opener would
    keep whatever the environment held at its first use), the crawl's User-Agent, the per-request
    timeout and the crawl's budget."""

    opener: urllib.request.OpenerDirector
    user_agent: str
    timeout: float
    budget: Deadline

    def get(self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None) -> _Response:
        """GET bounded by the per-request timeout and by what is left of the budget; an HTTP error
        status is an answer too."""
        budget = self.budget
        limit = min(self.timeout, budget.remaining())
        if limit <= 0:
            raise LookupFailure(f"not asked: the archive lookup budget ({budget.seconds:g} s) was spent",
                                budget=True)
        bounded_by = budget if limit < self.timeout else None
        started = time.monotonic()
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **(headers or {})})
        try:
            response = self.opener.open(request, timeout=limit)
        except urllib.error.HTTPError as exc:
            response = exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise _describe(exc, limit, bounded_by) from None
        try:
            chunks, size = [], 0
            while True:
                if time.monotonic() - started > limit:
                    if bounded_by is not None:
                        raise _budget_cut(bounded_by, limit)
                    raise LookupFailure(f"cut off after {limit:.3g} s (answer still arriving)", slow=True)
                try:
                    chunk = response.read(65536)
                except (OSError, ValueError) as exc:
                    raise _describe(exc, limit, bounded_by) from None
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise LookupFailure(f"answer larger than {max_bytes // (1024 * 1024)} MB")
                chunks.append(chunk)
            body = _decoded(b"".join(chunks), response.headers.get("Content-Encoding"), max_bytes)
            status = response.status if response.status is not None else response.getcode()
            return _Response(response.geturl(), int(status), dict(response.headers.items()), body)
        finally:
            response.close()


def _decoded(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """A gzip/deflate body decoded (urllib does not), bounded against decompression bombs."""
    coding = (encoding or "").strip().lower()
    if coding not in ("gzip", "x-gzip", "deflate"):
        return body
    try:
        inflater = zlib.decompressobj(47 if "gzip" in coding else zlib.MAX_WBITS)
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise LookupFailure(f"undecodable {coding} body: {_one_line(exc)}") from None
    if len(out) > max_bytes:
        raise LookupFailure(f"answer expands beyond {max_bytes // (1024 * 1024)} MB")
    return out


def _is_link_format(response: _Response) -> bool:
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return ctype == "application/link-format"


def _fetch_timemap(client: _Client, archive: Archive, url: str, when: datetime) -> TimeMap:
    """The archive's mementos of ``url``: a TimeMap directly, or a TimeGate's memento and then the
    TimeMap its ``Link`` header names (falling back to the links of that answer alone)."""
    # Accept-Datetime only to a TimeGate: pywb's TimeMap honours it too and lists fewer mementos.
    if archive.kind == "timemap":
        headers = {"Accept": "application/link-format"}
    else:
        headers = {"Accept-Datetime": email.utils.format_datetime(when.astimezone(UTC), usegmt=True)}
    response = client.get(archive.query_url(url), headers=headers, max_bytes=MAX_TIMEMAP_BYTES)
    if response.status == 404:
        return TimeMap(())  # the archive holds nothing of this URL: an answer, not a failure
    if response.status >= 400:
        raise LookupFailure(f"HTTP {response.status} from the archive")
    if _is_link_format(response) or archive.kind == "timemap":
        return mementos_of(parse_links(response.body.decode("utf-8", "replace")))
    found, timemap_uri = timegate_answer(archive.query_url(url), response.url, response.headers)
    if timemap_uri:
        try:
            listed = client.get(timemap_uri, headers={"Accept": "application/link-format"},
                                max_bytes=MAX_TIMEMAP_BYTES)
        except LookupFailure:
            return found
        if listed.status < 400:
            full = mementos_of(parse_links(listed.body.decode("utf-8", "replace")))
            if full.mementos:
                return TimeMap(full.mementos, full.original or found.original)
    return found


def _memento_text(client: _Client, memento: Memento) -> _MementoText:
    """The main text of a memento's raw bytes, by the crawl's own extraction."""
    from w3lib.encoding import html_to_unicode

    from pipelines.extract import extract_html  # trafilatura: imported only when a memento is read

    try:
        response = client.get(raw_memento_uri(memento.uri), max_bytes=MAX_MEMENTO_BYTES)
    except LookupFailure as exc:
        return _MementoText(None, f"could not fetch it: {exc}", budget=exc.budget)
    if response.status >= 400:
        return _MementoText(None, f"the archive answered HTTP {response.status} for it")
    _, html = html_to_unicode(response.headers.get("Content-Type"), response.body)
    try:
        extraction = extract_html(html, response.url)
    except Exception as exc:  # hostile bytes from someone else's archive never fail the crawl
        return _MementoText(None, f"extraction failed: {_one_line(exc)}")
    if not extraction.text.strip():
        return _MementoText(None, f"no main text in the archived copy ({extraction.reason or 'empty'})")
    return _MementoText(extraction.text, None)


def _cached_timemap(client: _Client, cache: LookupCache, archive: Archive, url: str,
                    when: datetime) -> _TimeMapResult:
    key = (archive.endpoint, url)
    with cache.lock:
        known = cache.timemaps.get(key)
        down = cache.unreachable.get(archive.endpoint)
    if known is not None:
        return known
    queried_at = iso_utc(datetime.now(UTC))
    if down is not None:  # not cached per URL: the archive may be asked again in a later crawl
        return _TimeMapResult(None, f"not asked: unreachable earlier in this crawl ({down})", queried_at)
    try:
        result = _TimeMapResult(_fetch_timemap(client, archive, url, when), None, queried_at)
    except LookupFailure as exc:
        result = _TimeMapResult(None, str(exc), queried_at)
        if exc.budget:
            return result  # the budget ended it: nothing learnt about this URL or this archive
        with cache.lock:
            strikes = cache.slow[archive.endpoint] = cache.slow.get(archive.endpoint, 0) + exc.slow
            if exc.unreachable or strikes >= SLOW_STRIKES:
                cache.unreachable.setdefault(archive.endpoint, str(exc))
    else:
        with cache.lock:
            cache.slow[archive.endpoint] = 0
    with cache.lock:
        cache.timemaps.setdefault(key, result)
    return result


def _cached_text(client: _Client, cache: LookupCache, memento: Memento) -> _MementoText:
    with cache.lock:
        known = cache.texts.get(memento.uri)
    if known is not None:
        return known
    result = _memento_text(client, memento)
    if result.budget:
        return result
    with cache.lock:
        cache.texts.setdefault(memento.uri, result)
    return result


def lookup(url: str, published: datetime | None, archives: Sequence[Archive], *, ours: OurCapture,
           budget: Deadline, cache: LookupCache, timeout: float = DEFAULT_TIMEOUT,
           user_agent: str = DEFAULT_USER_AGENT) -> list[ArchiveAnswer]:
    """Ask each archive, one after another, about ``url``; never raises (a failure is an answer).

    The reference time is ``published``, else our capture time, else now."""
    when = published or ours.captured_at or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    client = _Client(urllib.request.build_opener(), user_agent, timeout, budget)
    answers = []
    for archive in archives:
        try:
            answers.append(_ask(client, cache, archive, url, when, ours))
        except Exception as exc:  # a bug or a hostile answer must not fail the crawl: record it
            answers.append(ArchiveAnswer(archive.name, archive.endpoint, iso_utc(datetime.now(UTC)),
                                         ok=False, error=f"lookup failed: {type(exc).__name__}: "
                                                         f"{_one_line(exc)}"))
    return answers


def _ask(client: _Client, cache: LookupCache, archive: Archive, url: str, when: datetime,
         ours: OurCapture) -> ArchiveAnswer:
    found = _cached_timemap(client, cache, archive, url, when)
    base = {"archive": archive.name, "endpoint": archive.endpoint, "queried_at": found.queried_at}
    if found.timemap is None:
        return ArchiveAnswer(**base, ok=False, error=found.error)
    mementos = found.timemap.mementos
    if not mementos:
        return ArchiveAnswer(**base, ok=True, mementos=0, text_match_note="no mementos of this URL")
    before, after = nearest(mementos, when)
    chosen = closest(before, after, when)
    assert chosen is not None
    text = _cached_text(client, cache, chosen)
    match, note = compare_texts(ours.text, text.text, chosen, "before" if chosen is before else "after",
                                text.problem)
    return ArchiveAnswer(**base, ok=True, mementos=len(mementos), before=before, after=after,
                         text_match=match, text_match_note=note)


# ---- the crawl's lookups, from its settings ----------------------------------------------------

@dataclass
class MementoLookups:
    """Everything one crawl's lookups share: archives, budget, cache, timeout and User-Agent."""

    archives: list[Archive]
    budget: Deadline
    cache: LookupCache = field(default_factory=LookupCache)
    timeout: float = DEFAULT_TIMEOUT
    user_agent: str = DEFAULT_USER_AGENT

    @classmethod
    def from_settings(cls, settings: Any) -> MementoLookups:
        """From Scrapy settings (or any mapping): ``CITEWARC_MEMENTO_ARCHIVES``,
        ``CITEWARC_MEMENTO_BUDGET`` and the crawl's ``USER_AGENT``. The budget's clock starts at
        the first lookup."""
        budget = settings.get("CITEWARC_MEMENTO_BUDGET")
        return cls(archives=archives_from_setting(settings.get("CITEWARC_MEMENTO_ARCHIVES")),
                   budget=Deadline(float(DEFAULT_BUDGET if budget is None else budget)),
                   user_agent=settings.get("USER_AGENT") or DEFAULT_USER_AGENT)

    def lookup(self, url: str, published: datetime | None, ours: OurCapture) -> list[ArchiveAnswer]:
        return lookup(url, published, self.archives, ours=ours, budget=self.budget, cache=self.cache,
                      timeout=self.timeout, user_agent=self.user_agent)
