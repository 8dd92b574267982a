"""``report.html``: the citation ledger as one page a person reads and prints (pure).

One self-contained file: inline CSS, no script, the screenshot as a data URI, a blank favicon, so
opening it makes no request at all (it is evidence, read offline, perhaps years later, and must
not ping anyone). Links (replay, WACZ, independent copies, the sources) are anchors a reader may
follow, never loads. Every value from the crawl (titles, anchors, sentences, URLs, archive
answers) is hostile input: it is escaped, and only http(s) URLs become links.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipelines.evidence.describe import signer, timestamp_phrase
from pipelines.ledger.build import FATES, fate_counts

# Badge colours: each with its text on it (colour is never the only sign), contrast >= 4.5:1.
FATE_STYLE: dict[str, tuple[str, str, str]] = {  # fate -> (background, text colour, label)
    "live": ("#1b6e3a", "#ffffff", "live"),
    "redirected": ("#1f5c99", "#ffffff", "redirected"),
    "moved": ("#6b3fa0", "#ffffff", "moved"),
    "dead": ("#b3261e", "#ffffff", "dead"),
    "soft-404": ("#a34700", "#ffffff", "soft 404"),
    "blocked": ("#3d3d3d", "#ffffff", "blocked"),
    "paywalled": ("#7a5200", "#ffffff", "paywalled"),
    "timeout": ("#8a6d00", "#ffffff", "timeout"),
    "not-fetched": ("#d9d9d9", "#1a1a1a", "not fetched"),
}
FATE_MEANING = {
    "live": "answered 2xx at the address cited",
    "redirected": "answered after redirects on the same site",
    "moved": "redirected to another site",
    "dead": "4xx/5xx, DNS or connection failure",
    "soft-404": "a 200 that is a \"not found\" or home page",
    "blocked": "robots.txt, a private address, a bot wall or a login",
    "paywalled": "the page says it is behind a paywall",
    "timeout": "the site did not answer in time",
    "not-fetched": "not fetched (a limit of the crawl)",
}


@dataclass(frozen=True)
class ReplayLinks:
    """Where a reader replays the crawl: ``citewarc replay`` serves pywb on ``base`` with one
    collection (``crawler.replay.COLLECTION``); ``wacz`` is the WACZ's address relative to the
    report (they sit side by side in the crawl's folder)."""

    base: str = "http://127.0.0.1:8080"
    collection: str = "citewarc"
    wacz: str | None = None

    def replay(self, when: str | None, url: str | None) -> str | None:
        """``<base>/<collection>/<14-digit time>/<url>``, pywb's form; None without a time."""
        digits = "".join(ch for ch in (when or "") if ch.isdigit())[:14]
        if len(digits) != 14 or not url:
            return None
        return f"{self.base}/{self.collection}/{digits}/{url}"


CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 62rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; line-height: 1.25; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
a { color: #0b4f8a; }
.muted { color: #555; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .8rem 0; }
.meta dt { font-weight: 600; } .meta dd { margin: 0; overflow-wrap: anywhere; }
.shot { max-width: 100%; max-height: 40rem; object-fit: cover; object-position: top;
        border: 1px solid #ccc; margin: .5rem 0; }
.badge { display: inline-block; min-width: 6.5rem; text-align: center; font-weight: 700;
         font-size: .8rem; letter-spacing: .02em; text-transform: uppercase; border-radius: .25rem;
         padding: .1rem .45rem; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.counts { display: flex; flex-wrap: wrap; gap: .4rem .8rem; margin: .6rem 0; padding: 0; list-style: none; }
.counts li { white-space: nowrap; }
ol.citations { list-style: none; padding: 0; margin: 0; }
.citation { border: 1px solid #ccc; border-left-width: .4rem; border-radius: .3rem; padding: .6rem .8rem;
            margin: .7rem 0; break-inside: avoid; page-break-inside: avoid; }
.citation header { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
.n { font-weight: 700; min-width: 2rem; }
.context { margin: .4rem 0; font-style: italic; }
.context mark { background: #fff0a8; font-style: normal; font-weight: 600; padding: 0 .1rem; }
.url, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85rem;
              overflow-wrap: anywhere; }
.facts { margin: .3rem 0 0; padding-left: 1.1rem; }
.facts li { margin: .1rem 0; overflow-wrap: anywhere; }
.archives { margin: .2rem 0 0 1.1rem; padding: 0; }
.diff { white-space: pre-wrap; background: #f6f6f6; border: 1px solid #ddd; padding: .5rem;
        font-size: .8rem; max-height: 20rem; overflow: auto; }
footer { margin-top: 2rem; font-size: .8rem; color: #555; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; }
  .citation a[href]::after { content: " <" attr(href) ">"; font-size: .75em; overflow-wrap: anywhere; }
  .diff { max-height: none; overflow: visible; }
}
"""

_DIFF_LINES = 40


def render_report(ledger: Mapping[str, Any], *, signature: Mapping[str, Any] | None,
                  screenshot_png: bytes | None, replay: ReplayLinks,
                  diffs: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The whole page. ``signature``: the manifest's ``evidence`` block (None: the crawl predates
    signing); ``screenshot_png``: the first story's screenshot; ``diffs``: diff JSONs by store
    key (scheduled crawls: what changed since the last capture)."""
    stories = list(ledger.get("stories") or [])
    first = stories[0] if stories else {}
    title = first.get("title") or first.get("url") or ledger.get("crawl_id") or "citewarc crawl"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<link rel="icon" href="data:,">',
        f"<title>Citation ledger: {_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head><body>",
        "<header>",
        f'<p class="muted">Citation ledger · crawl '
        f'<span class="mono">{_e(ledger.get("crawl_id"))}</span></p>',
        f"<h1>{_e(title)}</h1>",
        _meta(ledger, first, signature, replay),
        "</header>",
    ]
    if screenshot_png:
        data = base64.b64encode(screenshot_png).decode("ascii")
        parts.append(f'<img class="shot" alt="Screenshot of the story as captured" '
                     f'src="data:image/png;base64,{data}">')
    parts.append(_counts(ledger))
    for story in stories:
        parts.append(_story(story, replay, diffs or {}, multiple=len(stories) > 1))
    if not stories:
        parts.append('<p class="muted">No story in this crawl has a text record: nothing to list.</p>')
    parts.append(_probes(ledger.get("probes") or []))
    parts.append(f'<footer>Generated {_e(ledger.get("generated"))} by {_e(ledger.get("tool"))} '
                 f'({_e(ledger.get("format"))}). This page makes no request of its own; its links '
                 "go to the replay, the WACZ and the independent archives.</footer>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(url: str | None) -> str | None:
    """``url`` escaped for an ``href`` when it is http(s) (never ``javascript:``, ``data:`` ...)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return _e(url) if scheme in ("http", "https") else None


def _link(url: str | None, text: str) -> str:
    href = _href(url)
    return f'<a href="{href}" rel="noreferrer noopener">{_e(text)}</a>' if href else _e(text)


def _meta(ledger: Mapping[str, Any], story: Mapping[str, Any], signature: Mapping[str, Any] | None,
          replay: ReplayLinks) -> str:
    rows = [
        ("Story", f'<span class="url">{_link(story.get("url"), story.get("url") or "")}</span>'),
        ("Published", _e(story.get("published") or "unknown")),
        ("Captured", _e(story.get("captured_at") or "unknown")),
        ("Signature", _signature(signature)),
        ("Replay", _replay_links(story, replay)),
        ("Independent archives", _lookups(ledger.get("archive_lookups") or {})),
    ]
    if story.get("change"):
        rows.append(("Since the last capture", _e(story["change"])))
    body = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<dl class="meta">{body}</dl>'


def _signature(evidence: Mapping[str, Any] | None) -> str:
    if not evidence:
        return "not recorded (the crawl predates signing)"
    who = signer(evidence)
    if who is not None:
        fingerprint, signed_at = who
        text = f'signed by key <span class="mono">{_e(fingerprint)}</span>'
        if signed_at:
            text += f" at {_e(signed_at)}"
    else:
        text = "unsigned"
    return f"{text}; {_e(timestamp_phrase(evidence))}"


def _replay_links(story: Mapping[str, Any], replay: ReplayLinks) -> str:
    links = []
    url = replay.replay(story.get("captured_at"), story.get("final_url") or story.get("url"))
    if url:
        links.append(_link(url, "in pywb (citewarc replay)"))
    if replay.wacz:
        links.append(f'<a href="{_e(replay.wacz)}">the WACZ</a>')
    return " · ".join(links) or "none"


def _lookups(lookups: Mapping[str, Any]) -> str:
    if not lookups.get("enabled"):
        return _e(lookups.get("note") or "not asked")
    names = ", ".join(a.get("name") or a.get("endpoint") or "?" for a in lookups.get("archives") or [])
    note = f" ({lookups['note']})" if lookups.get("note") else ""
    return _e((names or "none configured") + note)


def badge(fate: str) -> str:
    bg, fg, label = FATE_STYLE.get(fate, ("#d9d9d9", "#1a1a1a", fate))
    return (f'<span class="badge fate-{_e(fate)}" style="background:{bg};color:{fg}" '
            f'title="{_e(FATE_MEANING.get(fate, ""))}">{_e(label)}</span>')


def _counts(ledger: Mapping[str, Any]) -> str:
    counts = fate_counts(ledger)
    total = sum(counts.values())
    items = "".join(f"<li>{badge(f)} {counts[f]}</li>" for f in FATES if counts.get(f))
    return (f"<h2>{total} citation{'s' if total != 1 else ''}</h2>"
            f'<ul class="counts" aria-label="citations by fate">{items}</ul>')


def _story(story: Mapping[str, Any], replay: ReplayLinks, diffs: Mapping[str, Mapping[str, Any]],
           multiple: bool) -> str:
    out = []
    if multiple:
        out.append(f'<h2>{_e(story.get("title") or story.get("url"))}</h2>'
                   f'<p class="url">{_link(story.get("url"), story.get("url") or "")}</p>')
    out.append(_changes(story, diffs))
    cites = story.get("citations") or []
    if not cites:
        out.append('<p class="muted">No citation found in this story.</p>')
    else:
        out.append('<ol class="citations">')
        out.extend(_citation(c, replay) for c in cites)
        out.append("</ol>")
    return "\n".join(x for x in out if x)


def _changes(story: Mapping[str, Any], diffs: Mapping[str, Mapping[str, Any]]) -> str:
    diff = diffs.get(story.get("diff") or "")
    if not story.get("change") and not diff:
        return ""
    out = [f"<h2>What changed since the last capture: {_e(story.get('change') or 'edited')}</h2>"]
    if diff:
        changes = diff.get("changes") or {}
        if changes:
            items = "".join(f"<li><b>{_e(name)}</b>: {_e(_short((c or {}).get('before')))} → "
                            f"{_e(_short((c or {}).get('after')))}</li>" for name, c in changes.items())
            out.append(f'<ul class="facts">{items}</ul>')
        lines = (diff.get("text_diff") or "").splitlines()
        if lines:
            more = f"\n… {len(lines) - _DIFF_LINES} more lines" if len(lines) > _DIFF_LINES else ""
            out.append(f'<pre class="diff">{_e(chr(10).join(lines[:_DIFF_LINES]) + more)}</pre>')
    return "\n".join(out)


def _short(value: Any, limit: int = 200) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def context_html(context: str, anchor: str, url: str) -> str:
    """The sentence around the citation, escaped, its anchor (or the URL written out) marked."""
    context = context or ""
    for needle in (anchor, url):
        needle = needle or ""
        if not needle:
            continue
        at = context.find(needle)
        if at < 0:
            at = context.lower().find(needle.lower())
        if at >= 0:
            end = at + len(needle)
            return f"{_e(context[:at])}<mark>{_e(context[at:end])}</mark>{_e(context[end:])}"
    if context:
        return _e(context)
    return f"<mark>{_e(anchor)}</mark>" if anchor else ""


def _citation(c: Mapping[str, Any], replay: ReplayLinks) -> str:
    fate = str(c.get("fate") or "")
    bg = FATE_STYLE.get(fate, ("#d9d9d9",))[0]
    anchor = c.get("anchor") or ""
    kind = c.get("kind") or "link"
    head = (f'<header><span class="n">{_e(c.get("n"))}.</span>{badge(fate)} '
            f'<span class="muted">{_e(c.get("fate_reason"))}</span></header>')
    context = context_html(c.get("context") or "", anchor, c.get("url") or "")
    body = [head]
    if context:
        body.append(f'<p class="context">{context}</p>')
    facts = [f"<li>{_e(_kind_label(kind))}: {_url(c.get('url'))}</li>"]
    if c.get("original"):
        facts.append(f"<li>archived copy of {_url(c['original'])}</li>")
    for hop in c.get("hops") or []:
        facts.append(f'<li>redirect {_e(hop.get("status"))} from <span class="url">{_e(hop.get("url"))}'
                     "</span></li>")
    if c.get("hops") and c.get("final_url"):
        facts.append(f"<li>ended at {_url(c['final_url'])}</li>")
    status = c.get("status")
    answer = f"HTTP {status}" if status is not None else "no HTTP answer"
    if c.get("error") and c["error"] != answer:
        answer += f" ({c['error']})"
    facts.append(f"<li>answer: {_e(answer)}</li>")
    capture = c.get("capture")
    if capture:
        links = []
        url = replay.replay(capture.get("time"), c.get("final_url") or c.get("url"))
        if url:
            links.append(_link(url, "replay"))
        if replay.wacz:
            links.append(f'<a href="{_e(replay.wacz)}">WACZ</a>')
        title = f" · “{_e(capture['title'])}”" if capture.get("title") else ""
        facts.append(f"<li>captured {_e(capture.get('time'))}{title} · "
                     f"{' · '.join(links) or 'no replay link'}"
                     f'<br><span class="mono muted">{_e(capture.get("warc_record_id"))}'
                     f'{" · " + _e(capture["payload_digest"]) if capture.get("payload_digest") else ""}'
                     "</span></li>")
    else:
        facts.append("<li>no capture</li>")
    facts.append(f"<li>independent archives: {_archives(c.get('archives') or [])}</li>")
    body.append(f'<ul class="facts">{"".join(facts)}</ul>')
    return (f'<li class="citation" id="c{_e(c.get("n"))}" data-fate="{_e(fate)}" '
            f'style="border-left-color:{bg}">{"".join(body)}</li>')


def _url(url: str | None) -> str:
    return f'<span class="url">{_link(url, url or "")}</span>'


def _probe_answer(probe: Mapping[str, Any]) -> str:
    if probe.get("status") is not None:
        return f"HTTP {probe['status']}"
    return probe.get("error") or "no answer"


def _kind_label(kind: str) -> str:
    return {"link": "link", "text": "URL written in the text", "doi": "DOI",
            "archive": "archived copy"}.get(kind, kind)


def _archives(answers: Sequence[Mapping[str, Any]]) -> str:
    if not answers:
        return "not asked"
    items = []
    for a in answers:
        name = _e(a.get("archive") or a.get("endpoint") or "?")
        if not a.get("ok"):
            items.append(f"<li>{name}: no answer ({_e(a.get('error') or 'failed')})</li>")
            continue
        bits = [f"{_e(a.get('mementos'))} memento(s)"]
        for which in ("before", "after"):
            m = a.get(which)
            if m:
                bits.append(f"{which}: {_link(m.get('uri'), m.get('datetime') or m.get('uri') or '')}")
        match = a.get("text_match") or "unknown"
        note = f" ({_e(a['text_match_note'])})" if a.get("text_match_note") else ""
        said = {"same": "matches ours", "differs": "differs from ours"}.get(match, "unknown")
        bits.append(f"text {_e(said)}{note}")
        items.append(f"<li>{name}: {' · '.join(bits)}</li>")
    return f'<ul class="archives">{"".join(items)}</ul>'


def _probes(probes: Sequence[Mapping[str, Any]]) -> str:
    if not probes:
        return ""
    items = "".join(
        f'<li><span class="url">{_e(p.get("host"))}</span>: '
        f'{_e(_probe_answer(p))}'
        f'{" (" + _e(p["title"]) + ")" if p.get("title") else ""}</li>'
        for p in probes)
    return ("<h2>Soft-404 probes</h2><p class=\"muted\">One request per cited site to a path that "
            "cannot exist; a site that answers it with 200 shows what its \"not found\" looks like.</p>"
            f'<ul class="facts">{items}</ul>')
