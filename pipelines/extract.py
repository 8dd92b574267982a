"""Main text, metadata and in-text links of an HTML page (trafilatura), in a process pool.

One trafilatura pass with links (XML output) gives both: the ``<ref target>`` elements are the
candidate citations, and the same XML rendered without link markup is the clean text (trafilatura's
own txt output with links writes markdown into the text). When that pass finds nothing, the
fallbacks of ``extract_fallbacks`` run in order (recall mode, baseline, readability, jusText), and
a JSON-LD ``articleBody`` that the extraction barely agrees with replaces a shorter extraction
(``text_choice``); ``extraction_path`` says which produced the text. Empty title, author, date and
language are filled from the page's own statements (``page_metadata``), ``metadata_sources`` says
from where. When nothing is extracted, ``reason`` says why instead of a bare None.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import resource_tracker
from multiprocessing import util as multiprocessing_util
from typing import Any, TypeVar

from lxml import etree

from pipelines.extract_fallbacks import baseline_xml, justext_xml, main_pass_xml, readability_xml
from pipelines.html_tree import ParsedPage, parse_page
from pipelines.page_metadata import fill_metadata, read_json_ld, scan_page
from pipelines.shallow_html import DEPTH_NOTE
from pipelines.text_choice import (
    anchor_in_text,
    body_paragraphs,
    prefer_article_body,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Block elements of trafilatura's XML, each rendered on its own line.
_BLOCKS = {"p", "head", "item", "quote", "code", "row", "lb", "list", "table", "cell"}


@dataclass(frozen=True)
class ExtractOptions:
    """Every extraction option in one place, carried through the call chain."""

    max_chars: int = 5_000_000
    include_tables: bool = True
    include_comments: bool = False
    favor_precision: bool = False
    favor_recall: bool = False  # not used by the crawl; compared in bench/extraction_modes.py
    fast: bool = False  # trafilatura without its fallback extractors; compared there too


@dataclass(frozen=True)
class LinkCandidate:
    """A link inside the main text, with what a reader sees around it."""

    url: str
    anchor: str
    context: str  # text of the enclosing block
    block: str  # tag of the enclosing block: p, item, quote, head, cell...
    heading: str  # nearest heading before it inside the main text
    # Where it sits, for the citation decision (crawler.web.citations): the block's place in the
    # text (0 = first block, 1 = last), how many links the block holds and the characters of
    # their anchors (a block that is all links is a list of links, not a sentence), and the
    # text of the block before it (a "Sources:" or "Related:" line that is not a heading).
    # Not part of a candidate's identity (equality): what and where in the text it links is.
    position: float = field(default=0.0, compare=False)
    block_links: int = field(default=1, compare=False)
    link_chars: int = field(default=0, compare=False)
    previous: str = field(default="", compare=False)
    # A URL written out in the text ("Source: https://..."), not an <a>: it has no anchor by nature,
    # which must not read as an image link's missing text.
    written: bool = field(default=False, compare=False)
    # Found in the article's container but in a block the text extraction dropped
    # (``crawler.web.citations.beside``), not in the extracted text itself.
    beside: bool = field(default=False, compare=False)


@dataclass
class Extraction:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    language: str | None = None
    text: str = ""
    links: list[LinkCandidate] = field(default_factory=list)
    # Text of the code blocks and inline code that hold a URL or DOI: one written out there is an
    # example of the code, not a source (the citation decision leaves it out, with that reason).
    code: list[str] = field(default_factory=list)
    reason: str | None = None  # why text is empty, when it is (or how a hostile page was read)
    extraction_path: str | None = None  # which extractor produced the text (see extract_fallbacks; json-ld)
    metadata_sources: dict[str, str] = field(default_factory=dict)  # field -> where its value came from


_LANG_RE = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.I)
_OG_SITE_RE = re.compile(
    r"<meta\b[^>]*property\s*=\s*[\"']og:site_name[\"'][^>]*content\s*=\s*[\"']([^\"']+)", re.I
)


def html_language(html: str, content_language: str | None = None) -> str | None:
    """``<html lang>``, else the first ``Content-Language``; a primary subtag like ``en``."""
    match = _LANG_RE.search(html[:20000].encode("utf-8", "ignore"))
    value = match.group(1).decode("ascii") if match else (content_language or "")
    value = value.split(",")[0].strip()
    return value.split("-")[0].split("_")[0].lower() or None


def extractable(html: str, options: ExtractOptions) -> bool:
    """Whether ``extract_html`` would parse the page (not empty, not too large)."""
    return bool(html.strip()) and len(html) <= options.max_chars


def extract_html(
    html: str, url: str, content_language: str | None = None, options: ExtractOptions | None = None,
    page: ParsedPage | None = None,
) -> Extraction:
    """Run trafilatura once and turn its XML into text, metadata and link candidates.

    ``page``: the page already parsed (``pipelines.html_tree``), so it is not parsed again."""
    import trafilatura  # imported in the worker; keeps the parent light

    options = options or ExtractOptions()
    if len(html) > options.max_chars:
        return Extraction(reason=f"page too large to extract ({len(html)} characters)")
    if not html.strip():
        return Extraction(reason="empty page")
    page = page or parse_page(html)
    result = _extract(trafilatura, page, url, content_language, options)
    if page.flattened:
        result.reason = "; ".join(filter(None, [result.reason, DEPTH_NOTE]))
    return result


def trafilatura_options(options: ExtractOptions) -> dict[str, Any]:
    """The keyword arguments citewarc gives ``trafilatura.extract`` (the bench gives the same)."""
    return {
        "output_format": "xml",
        "include_links": True,
        "include_comments": options.include_comments,
        "include_tables": options.include_tables,
        "include_images": False,
        "with_metadata": True,
        "favor_precision": options.favor_precision,
        "favor_recall": options.favor_recall,
        "fast": options.fast,
    }


def _extract(trafilatura, page: ParsedPage, url: str, content_language: str | None,
             options: ExtractOptions) -> Extraction:
    html = page.html
    source = page.tree if page.tree is not None else html  # trafilatura copies a tree it is given
    failure = None
    try:
        xml = main_pass_xml(source, url, trafilatura_options(options))
    except Exception as exc:  # trafilatura raises many kinds on hostile input
        xml, failure = None, f"extraction failed: {type(exc).__name__}: {exc}"[:200]
    html_lang = html_language(html, None)
    result = parse_trafilatura_xml(xml) if xml else None
    if result is not None and result.text:
        result.extraction_path = "trafilatura"
    else:
        result = _fallback(trafilatura, page, url, options, result, html_lang or content_language)
    head = scan_page(page.tree)
    linked = read_json_ld(page.tree, head)
    body = body_paragraphs(linked.body) if linked.body else ""
    if body and prefer_article_body(result.text, body):
        # the page's own statement of its article disagrees with a shorter extraction: the
        # extraction took the wrong block; its links stay where their anchors are in the article
        result.text = body
        result.links = [link for link in result.links if anchor_in_text(link.anchor, result.text)]
        result.extraction_path = "json-ld"
    if not result.text:
        result.reason = failure or (
            "main text was empty" if xml else
            "no main text found (page may be navigation, a paywall or script-rendered)")
    if not result.sitename:
        match = _OG_SITE_RE.search(html[:50000])
        result.sitename = match.group(1).strip() if match else None
    fields: dict[str, str | None] = {name: getattr(result, name) for name in _META_FIELDS}
    result.metadata_sources = fill_metadata(fields, page.tree, url, html_lang, content_language,
                                            result.sitename, linked, head, result.text)
    for name in _META_FIELDS:
        setattr(result, name, fields[name] or None)
    return result


_META_FIELDS = ("title", "author", "date", "language")
# A fallback's text must read like an article, not a menu: trafilatura's own fallbacks ask for 250
# characters (MIN_EXTRACTED_SIZE) before they replace anything; a little less here, since the
# alternative is no text at all.
MIN_FALLBACK_CHARS = 200


def _fallback(trafilatura, page: ParsedPage, url: str, options: ExtractOptions,
              main: Extraction | None, language: str | None) -> Extraction:
    """The first of trafilatura's fallbacks, then readability, then jusText, that yields text;
    metadata from the main pass (or ``extract_metadata`` when it gave none)."""
    source = page.tree if page.tree is not None else page.html
    meta = main if main is not None else _metadata_only(source, url)
    steps: list[tuple[str, Callable[[], str | None], int]] = []
    if not options.favor_recall:
        recall = {**trafilatura_options(options), "favor_recall": True, "favor_precision": False}
        steps.append(("trafilatura-recall", lambda: main_pass_xml(source, url, recall), 1))
    steps += [
        ("trafilatura-baseline", lambda: baseline_xml(page.tree), MIN_FALLBACK_CHARS),
        ("readability", lambda: readability_xml(page.tree, url), MIN_FALLBACK_CHARS),
        ("justext", lambda: justext_xml(page.tree, url, language), MIN_FALLBACK_CHARS),
    ]
    for path, step, least in steps:
        try:
            xml = step()
        except Exception as exc:  # a fallback must never cost the page its metadata
            logger.debug("%s failed on %s: %s", path, url, exc)
            continue
        found = parse_trafilatura_xml(xml) if xml else None
        if found is not None and len(found.text) >= least:
            meta.text, meta.links, meta.code, meta.extraction_path = found.text, found.links, found.code, path
            break
    return meta


def _metadata_only(html: Any, url: str) -> Extraction:
    import trafilatura

    try:
        doc = trafilatura.extract_metadata(html, default_url=url)
    except Exception:
        doc = None
    if doc is None:
        return Extraction()
    return Extraction(
        title=doc.title or None, author=doc.author or None, date=doc.date or None,
        sitename=doc.sitename or None,
    )


def parse_trafilatura_xml(xml: str) -> Extraction:
    """Clean text (one line per block, no link markup) and link candidates from trafilatura XML."""
    root = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(recover=True, huge_tree=True))
    if root is None:
        return Extraction(reason="unreadable extraction output")
    main = root.find("main")
    out = Extraction(
        title=root.get("title") or None,
        author=root.get("author") or None,
        date=root.get("date") or None,
        sitename=root.get("sitename") or None,
        language=root.get("language") or None,
    )
    if main is None:
        return out
    lines: list[str] = []
    heading = ""
    found: list[tuple[int, LinkCandidate]] = []
    for block in main.iter():
        if block.tag not in _BLOCKS or block.tag in {"list", "table", "row"}:
            continue
        if block.tag == "lb":
            continue
        if any(anc.tag in _BLOCKS - {"list", "table", "row"} for anc in block.iterancestors()):
            continue  # nested block: its text is part of the outer one
        text = _block_text(block)
        if not text:
            continue
        previous = lines[-1][:200] if lines else ""
        lines.append(text)
        if block.tag == "head":
            heading = text
        refs = [(ref, (ref.get("target") or "").strip()) for ref in block.iter("ref")]
        refs = [(ref, target, _block_text(ref).replace("\n", " ")) for ref, target in refs if target]
        link_chars = sum(len(anchor) for _, _, anchor in refs)
        for _ref, target, anchor in refs:
            found.append((len(lines) - 1, LinkCandidate(
                url=target, anchor=anchor, context=text, block=block.tag, heading=heading,
                block_links=len(refs), link_chars=link_chars, previous=previous,
            )))
    last = max(1, len(lines) - 1)
    out.links = [replace(link, position=round(index / last, 3)) for index, link in found]
    out.text = "\n".join(lines)
    code = (_block_text(element) for element in main.iter("code"))
    out.code = [span for span in code if "http" in span or "10." in span]
    return out


def _block_text(block: etree._Element) -> str:
    """Text of a block in document order, ``<lb/>`` as a line break, whitespace squashed."""
    parts: list[str] = []
    _collect_text(block, parts)
    return "\n".join(_squash(line) for line in "".join(parts).split("\n") if line.strip())


def _collect_text(node: etree._Element, parts: list[str]) -> None:
    if node.tag == "lb":
        parts.append("\n")
    if node.text:
        parts.append(node.text.replace("\n", " "))
    for child in node:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail.replace("\n", " "))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _pool_initializer() -> None:
    # Ctrl-C (and a supervisor's SIGTERM, systemd's for one) reaches the whole process group: the
    # crawler stops gracefully and still needs its workers for the pages in flight, so only the
    # parent decides when they end (``reap_workers`` kills one that will not).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A crawl killed outright (SIGKILL, the OOM killer) cannot tell its workers to stop: they
    # notice their parent is gone and leave, rather than idle forever holding its pipes.
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # Workers run no crawl: they must not touch the network or the reactor.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)


_LIVE_POOLS: weakref.WeakSet[ProcessPool] = weakref.WeakSet()  # for reap_workers


class ProcessPool:
    """CPU-heavy page analysis off the reactor thread, awaited from spider callbacks."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None
        _LIVE_POOLS.add(self)

    def _ensure(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("spawn")  # never fork a running reactor
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_pool_initializer
            )
        return self._executor

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        executor = self._ensure()
        try:
            return await asyncio.wrap_future(executor.submit(func, *args))
        except BrokenProcessPool:
            # A worker died (a crash in a C extension, the OOM killer): this page's analysis is
            # lost and the caller records that; later pages get a fresh pool.
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    def shutdown(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None


def reap_workers(grace: float = 1.0) -> None:
    """End every worker process this process started, and multiprocessing's resource tracker.

    Called by the CLI just before it exits. A pool shut down normally has joined its workers, but
    a crawl that ended on an error may not have; and the ``spawn`` context starts a resource
    tracker process that only notices its parent is gone after the parent has exited, so a
    finished ``archive`` left a process behind in its group (what a supervisor or a cron
    ``timeout`` counts as still running). Idle workers are told to stop; any still busy after
    ``grace`` seconds get SIGKILL.
    """
    for pool in list(_LIVE_POOLS):
        pool.shutdown(wait=False)
    for child in multiprocessing.active_children():
        child.join(grace)
        if child.is_alive():
            child.kill()  # workers ignore SIGTERM (see _pool_initializer)
            child.join(grace)
    gc.collect()  # the pools' queues release their semaphores before the tracker goes
    # A pool still referenced (a hard stop leaves the crawl's objects alive) keeps its named
    # semaphores until interpreter exit, when their finalizers unlink them: run those exit-time
    # finalizers now, so the tracker stops with nothing registered (no leak warnings, no
    # "No such file" tracebacks on stderr afterwards).
    run_exit_finalizers = getattr(multiprocessing_util, "_run_finalizers", None)
    if run_exit_finalizers is not None:
        run_exit_finalizers(0)
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    stop = getattr(tracker, "_stop", None)  # CPython 3.11+: closes its pipe and waits for it
    if stop is not None:
        try:
            stop()
        except (OSError, ChildProcessError):
            pass  # already gone
