"""The citation ledger (``citations.json``) from what a crawl recorded (pure).

Inputs are values: the manifest's rows, the text JSONs of the pages, the independent archives'
answers (``pipelines.ledger.memento``) and the payload digests of the WARC records. Nothing here
reads a store or the network, so the same function builds the ledger at the end of a crawl and,
for a crawl stored before the ledger existed, in ``citewarc report``.

The fate of a citation (``fate``) is decided from its chain of manifest rows (each redirect hop,
then the row where the chain ends) and the site's answer to the soft-404 probe (one request per
cited site to a path that cannot exist). Fields the crawl side added later (``access``,
``text_sha256``, probe rows, ``context``) are optional: a crawl without them gets ``unknown``
rather than a wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from pipelines.keys import url_key
from pipelines.ledger.domains import registrable_domain, site_of
from pipelines.ledger.text_digest import main_text_digest

FORMAT = "citewarc-citations-1"
FATES = ("live", "redirected", "moved", "dead", "soft-404", "blocked", "paywalled", "timeout",
         "not-fetched")
PROBE_PREFIX = "/citewarc-probe-"  # crawler/web/probe.py's path of the soft-404 probe

_TIMEOUT = re.compile(r"\btim(?:ed|e)[ -]?out\b", re.I)
_ROBOTS = re.compile(r"robots\.txt|\brobots\b", re.I)
_PRIVATE = re.compile(r"private or reserved address|^refused: ", re.I)

Row = Mapping[str, Any]


# ---- the chain of rows of a URL -----------------------------------------------------------------

class RowIndex:
    """The manifest's rows by canonical URL: the redirect hops (a redirect row without an error;
    the first one of a URL counts) and the ends (any other row; the last one counts), as
    ``pipelines.manifest.seed_ends`` walks them. Probe rows are kept apart."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.hops: dict[str, Row] = {}
        self.ends: dict[str, Row] = {}
        self.probe_hops: dict[str, Row] = {}
        self.probe_ends: dict[str, Row] = {}
        self.probe_starts: list[str] = []
        for row in rows:
            probe = row.get("role") == "probe"
            hops, ends = (self.probe_hops, self.probe_ends) if probe else (self.hops, self.ends)
            key = url_key(row["url"])
            if probe and _path(row["url"]).startswith(PROBE_PREFIX) and row["url"] not in self.probe_starts:
                self.probe_starts.append(row["url"])
            if row.get("redirect_to") and not row.get("error"):
                hops.setdefault(key, row)
            else:
                ends[key] = row

    def chain(self, url: str, probe: bool = False) -> tuple[list[Row], str]:
        """The rows of ``url``'s redirect chain (the hops, then the end row when there is one)
        and the URL where the chain stops (the last redirect target when it was never fetched)."""
        hops, ends = (self.probe_hops, self.probe_ends) if probe else (self.hops, self.ends)
        rows: list[Row] = []
        key, last, seen = url_key(url), url, set()
        while key in hops and key not in seen:
            seen.add(key)
            row = hops[key]
            rows.append(row)
            last = row["redirect_to"]
            key = url_key(last)
        if key in ends and key not in seen:
            rows.append(ends[key])
            last = ends[key]["url"]
        return rows, last


    def end(self, url: str) -> Row | None:
        """The row where ``url``'s chain ends (None: it ends at a URL never fetched)."""
        chain, _ = self.chain(url)
        return chain[-1] if chain and not _is_hop(chain[-1]) else None


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _is_home(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query


def _ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


# ---- the fate rules -----------------------------------------------------------------------------

def fate(chain: Sequence[Row], probe: Row | None = None, *, asked: str | None = None,
         skipped: str | None = None, text_sha256: str | None = None) -> tuple[str, str]:
    """The fate of a citation and one line saying why.

    ``chain``: the citation's manifest rows, its redirect hops then the row where it ended (empty
    when it was never fetched); ``probe``: the site's answer to the soft-404 probe (a ``probes``
    entry of the ledger: status, final_url, title, text_sha256), None when there was none;
    ``asked``: the URL the story cites (default: the first row's); ``skipped``: why the crawl did
    not fetch it (the manifest's ``skipped``); ``text_sha256``: the main-text digest of the end
    row when the row itself lacks it (from its text JSON).

    The order matters: a wall is read before the status (a bot wall answers 403), a timeout or
    refusal before "dead", and a soft 404 before "moved" (an old address sent to another site's
    home page lost its page, it did not move)."""
    if not chain:
        return "not-fetched", f"not fetched: {skipped}" if skipped else "not fetched in this crawl"
    start = asked or chain[0]["url"]
    end = chain[-1]
    hops = chain[:-1] if not _is_hop(end) else list(chain)
    if _is_hop(end):
        target = end["redirect_to"]
        why = f": {skipped}" if skipped else ""
        return "not-fetched", f"redirected to {target}, which was not fetched{why}"
    status, error = end.get("status"), end.get("error") or ""
    access, access_reason = end.get("access"), end.get("access_reason")
    if end.get("truncated") == "time":
        return "timeout", "the answer was still arriving when the download timeout cut it"
    if error and _TIMEOUT.search(error):
        return "timeout", error
    if error and _ROBOTS.search(error):
        return "blocked", error
    if error and _PRIVATE.search(error):
        return "blocked", error
    if access in ("bot-wall", "login"):
        what = "a bot wall" if access == "bot-wall" else "a login wall"
        return "blocked", _with_status(f"{what}: {access_reason}" if access_reason else what, status)
    if access == "paywalled":
        return "paywalled", _with_status(f"paywall: {access_reason}" if access_reason else "paywall",
                                         status)
    if status == 401:
        return "blocked", "HTTP 401: the site asks for a login"
    if status == 429:
        return "blocked", "HTTP 429: the site refused the crawler (too many requests)"
    if status is not None and status >= 400:
        return "dead", error or f"HTTP {status}"
    if error:
        return "dead", error
    if status is None:
        return "dead", "no answer recorded"
    final = end["url"]
    if not _ok(status):
        return "dead", f"HTTP {status} without a usable redirect"
    soft = _soft_404(start, final, hops, end, probe, text_sha256)
    if soft:
        return "soft-404", soft
    cut = _CUT.get(end.get("truncated") or "", "")
    if not hops or url_key(final) == url_key(start):
        return "live", f"HTTP {status}{cut}"
    if registrable_domain(final) != registrable_domain(start):
        return "moved", (f"redirected to another site ({registrable_domain(final) or final}), "
                         f"HTTP {status} there{cut}")
    return "redirected", f"redirected on the same site ({len(hops)} hop(s)), HTTP {status}{cut}"


# A 2xx whose body was cut (pipelines.page ``truncated``): the source answered, our copy is partial.
_CUT = {"length": "; the copy is cut at the size limit",
        "disconnect": "; the copy is cut: the connection broke mid-body"}


def _is_hop(row: Row) -> bool:
    return bool(row.get("redirect_to")) and not row.get("error")


def _with_status(reason: str, status: int | None) -> str:
    return f"{reason} (HTTP {status})" if status is not None else reason


def _soft_404(start: str, final: str, hops: Sequence[Row], end: Row, probe: Row | None,
              text_sha256: str | None) -> str | None:
    """Why a 2xx answer is a "not found" in disguise, or None."""
    if hops and _is_home(final) and not _is_home(start):
        return f"redirected from {_path(start) or start} to the site's home page"
    if probe is None or not _ok(probe.get("status")):
        return None
    digest = end.get("text_sha256") or text_sha256
    if digest and digest == probe.get("text_sha256"):
        return "its main text is the site's answer for a page that cannot exist (soft-404 probe)"
    probe_final = probe.get("final_url")
    if hops and probe_final and url_key(probe_final) == url_key(final) and probe_final != probe.get("url"):
        return "redirected where the site sends a page that cannot exist (soft-404 probe)"
    # The title only when a main text is missing to compare: many sites give every page one
    # title (the site's name), and two different texts say more than two equal titles.
    title = (end.get("title") or "").strip()
    if (not digest or not probe.get("text_sha256")) and title and title == (probe.get("title") or "").strip():
        return f"its title ({title[:80]!r}) is the site's title for a page that cannot exist"
    return None


# ---- the ledger ---------------------------------------------------------------------------------

def build_ledger(
    crawl_id: str,
    tool: str,
    manifest_pages: Sequence[Row],
    texts: Mapping[str, Mapping[str, Any]],
    lookups: Mapping[str, Sequence[Mapping[str, Any]]] | None,
    lookups_note: str | None,
    generated: str,
    *,
    seeds: Sequence[str] = (),
    skipped: Sequence[Mapping[str, str]] = (),
    archives: Sequence[Mapping[str, str]] | None = None,
    payload_digests: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``citations.json`` as a dict (schema in SPEC15 / README).

    ``manifest_pages``: the manifest's ``pages``; ``texts``: text JSONs by store key (the rows'
    ``text``); ``lookups``: each cited URL's archive answers (``ArchiveAnswer.to_json()``), None
    when lookups were off (``lookups_note`` says why); ``generated``: ISO UTC time; ``seeds``: the
    manifest's seeds, to order stories as typed; ``skipped``: the manifest's ``skipped``;
    ``archives``: the configured archives (default: those that answered); ``payload_digests``:
    WARC-Payload-Digest by WARC-Record-ID."""
    index = RowIndex(manifest_pages)
    skips = {url_key(s["url"]): s.get("reason") or "skipped" for s in skipped}
    probes = [_probe_entry(index, url, texts) for url in index.probe_starts]
    probe_by_site = {p["site"]: p for p in probes}
    answers = {url_key(url): list(a) for url, a in (lookups or {}).items()}
    stories = [_story(row, typed, index, texts, skips, probe_by_site, answers, payload_digests or {})
               for row, typed in _story_rows(manifest_pages, seeds)]
    if archives is None:
        seen: dict[tuple[str, str], None] = {}
        for entry in answers.values():
            for a in entry:
                seen.setdefault((a.get("archive", ""), a.get("endpoint", "")), None)
        archives = [{"name": n, "endpoint": e} for n, e in seen]
    return {
        "format": FORMAT,
        "crawl_id": crawl_id,
        "tool": tool,
        "generated": generated,
        "archive_lookups": {"enabled": lookups is not None,
                            "archives": [dict(a) for a in archives] if lookups is not None else [],
                            "note": lookups_note},
        "probes": [{k: v for k, v in p.items() if k != "site"} for p in probes],
        "stories": stories,
    }


def _story_rows(rows: Sequence[Row], seeds: Sequence[str]) -> list[tuple[Row, str | None]]:
    """The seeds' end rows (feed entries are seeds too), in the order the seeds were typed, then
    the others by URL; each with the URL as typed when it was one of ``seeds``."""
    index = RowIndex(rows)
    out: list[tuple[Row, str | None]] = []
    taken: set[int] = set()
    for seed in seeds:
        chain, _ = index.chain(seed)
        if chain and not _is_hop(chain[-1]) and id(chain[-1]) not in taken:
            taken.add(id(chain[-1]))
            out.append((chain[-1], seed))
    for row in rows:
        if row.get("role") == "seed" and not _is_hop(row) and id(row) not in taken:
            taken.add(id(row))
            out.append((row, None))
    return out


def _probe_entry(index: RowIndex, url: str, texts: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    chain, last = index.chain(url, probe=True)
    end = chain[-1] if chain and not _is_hop(chain[-1]) else None
    text = texts.get(end["text"]) if end and end.get("text") else None
    parts = urlsplit(url)
    return {
        "site": site_of(url),
        "host": parts.netloc.lower(),
        "url": url,
        "status": end.get("status") if end else None,
        "final_url": end["url"] if end else last,
        "title": (end.get("title") if end else None) or (text or {}).get("title"),
        "text_sha256": _text_sha256(end, text),
        "fetched_at": (chain[0].get("fetched_at") if chain else None),
        "error": (end.get("error") if end else None) or (None if end else "no answer recorded"),
    }


def _text_sha256(row: Row | None, text: Mapping[str, Any] | None) -> str | None:
    if row is not None and row.get("text_sha256"):
        return row["text_sha256"]
    if text is None:
        return None
    return text.get("text_sha256") or main_text_digest(text.get("text"))


def reading_order(citations: Sequence[Mapping[str, Any]], text: str) -> list[Mapping[str, Any]]:
    """The citations in the order a reader meets them in the story's text.

    The text JSON lists linked citations before URLs written out in the text (they are found in
    two passes); each citation's ``context`` (the sentence around it, cut with "…") locates it in
    the text. When any citation cannot be located the order is kept as it is: a guess would be
    worse than the finder's order."""
    positions = []
    for citation in citations:
        where = _position(citation, text)
        if where is None:
            return list(citations)
        positions.append(where)
    order = sorted(range(len(citations)), key=lambda i: (positions[i], i))
    return [citations[i] for i in order]


def _position(citation: Mapping[str, Any], text: str) -> int | None:
    context = (citation.get("context") or "").strip().strip("…").strip()
    needle = citation.get("anchor") or citation.get("url") or ""
    if not context or not text:
        return None
    start = text.find(context[:80])
    if start < 0:
        return None
    inside = context.find(needle) if needle else -1
    return start + max(inside, 0)


def _story(row: Row, typed: str | None, index: RowIndex, texts: Mapping[str, Mapping[str, Any]],
           skips: Mapping[str, str], probes: Mapping[str | None, Mapping[str, Any]],
           answers: Mapping[str, list], digests: Mapping[str, str]) -> dict[str, Any]:
    text = texts.get(row["text"]) if row.get("text") else None
    text = text or {}
    citations = [
        _citation(n, c, index, texts, skips, probes, answers, digests)
        for n, c in enumerate(reading_order(text.get("citations") or [], text.get("text") or ""),
                              start=1)
    ]
    return {
        "url": typed or row["url"],
        "final_url": row["url"],
        "title": text.get("title") or row.get("title"),
        "published": text.get("date"),
        "captured_at": row.get("fetched_at"),
        "warc_record_id": row.get("warc_record_id"),
        "screenshot": row.get("screenshot"),
        "text": row.get("text"),
        "diff": row.get("diff"),
        "change": row.get("change"),
        "citations": citations,
    }


def _citation(n: int, cited: Mapping[str, Any], index: RowIndex, texts: Mapping[str, Mapping[str, Any]],
              skips: Mapping[str, str], probes: Mapping[str | None, Mapping[str, Any]],
              answers: Mapping[str, list], digests: Mapping[str, str]) -> dict[str, Any]:
    url = cited["url"]
    chain, last = index.chain(url)
    end = chain[-1] if chain and not _is_hop(chain[-1]) else None
    hops = [r for r in chain if r is not end]
    text = texts.get(end["text"]) if end is not None and end.get("text") else None
    digest = _text_sha256(end, text)
    skipped = skips.get(url_key(last)) or skips.get(url_key(url))
    probe = probes.get(site_of(end["url"])) if end is not None else None
    which, why = fate(chain, probe, asked=url, skipped=skipped, text_sha256=digest)
    return {
        "n": n,
        "url": url,
        "anchor": cited.get("anchor") or "",
        "context": cited.get("context") or "",
        "kind": cited.get("kind") or ("text" if cited.get("found") == "text" else "link"),
        "original": cited.get("original"),
        "hops": [{"url": r["url"], "status": r.get("status")} for r in hops],
        "final_url": end["url"] if end is not None else (last if hops else None),
        "status": end.get("status") if end is not None else None,
        "error": end.get("error") if end is not None else None,
        "fate": which,
        "fate_reason": why,
        "capture": _capture(end, text, digest, digests),
        "archives": [dict(a) for a in answers.get(url_key(url), [])],
    }


def _capture(end: Row | None, text: Mapping[str, Any] | None, digest: str | None,
             digests: Mapping[str, str]) -> dict[str, Any] | None:
    if end is None or end.get("status") is None or not end.get("warc") or not end.get("warc_record_id"):
        return None  # no answer was captured (its request or failure is in the WARC all the same)
    return {
        "warc": end["warc"],
        "warc_record_id": end["warc_record_id"],
        "time": end.get("fetched_at"),
        "payload_digest": digests.get(end["warc_record_id"]),
        "title": end.get("title") or (text or {}).get("title"),
        "text_sha256": digest,
        "text": end.get("text"),
    }


def fate_counts(ledger: Mapping[str, Any]) -> dict[str, int]:
    """How many citations of the ledger have each fate (every fate listed, in ``FATES`` order)."""
    counts = dict.fromkeys(FATES, 0)
    for story in ledger.get("stories", []):
        for c in story.get("citations", []):
            counts[c["fate"]] = counts.get(c["fate"], 0) + 1
    return counts
