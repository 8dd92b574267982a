"""What ``--browser auto`` would load in Chromium: its signals on real pages and on the fixtures.

For each page: the static HTML as citewarc decodes it, the main text as citewarc extracts it
(``crawler.web.analysis.analyse_page`` with the crawl's ``ExtractOptions``), then
``crawler.browser.signals.browser_reason``, the function the crawl calls. Reported: how many pages
would be loaded in the browser, by the signal that fired first (no main text, an empty app shell, a
noscript asking for JavaScript), with examples; and how many pages each signal matches on its own
(the shell and noscript patterns also match pages that have their text, which ``auto`` then loads
for nothing, or is spared only by the order of the checks).

Real pages: a folder of saved HTML files (default /work/bench-data/tests/eval, 900-odd news and
blog pages with hand-labelled bodies; their URLs from ``evaldata.json`` beside it when present).
Fixtures: tests/servers/site.py's web and tests/servers/script_site.py's script-built story;
the story must trigger, the ordinary article and the sources must not.

    .venv/bin/python bench/browser_signals.py [--real-pages DIR] [--workers 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from w3lib.encoding import html_to_unicode  # noqa: E402

from crawler.browser.signals import (  # noqa: E402
    _EMPTY_MOUNT,
    _NOSCRIPT_JS,
    MIN_TEXT_CHARS,
    SHORT_TEXT_CHARS,
    browser_reason,
    text_chars,
)
from crawler.web.analysis import analyse_page  # noqa: E402
from pipelines.extract import ExtractOptions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "browser_signals.json"
REAL_PAGES = Path("/work/bench-data/tests/eval")
OPTIONS = ExtractOptions()  # the crawl's: CITEWARC_EXTRACT_MAX_CHARS is ExtractOptions' default


@dataclass
class Verdict:
    """One page under ``auto``: its main text, the signal that fired (if any), each signal alone."""

    name: str
    url: str
    text_chars: int
    signal: str | None  # "no main text" | "empty app shell" | "noscript asks for JavaScript"
    reason: str | None  # browser_reason's words
    matches_shell: bool  # the empty-mount pattern matches, whatever the text
    matches_noscript: bool  # the noscript pattern matches, whatever the text
    mount: str = ""  # what the shell pattern matched, for the examples


def signal_name(reason: str | None) -> str | None:
    if reason is None:
        return None
    if reason.startswith("static capture has"):
        return "no main text"
    if "app shell" in reason:
        return "empty app shell"
    if "noscript" in reason:
        return "noscript asks for JavaScript"
    return "other"


def judge(name: str, url: str, html: str) -> Verdict:
    """``auto``'s decision on one page, as the crawl makes it."""
    analysis = analyse_page(html, url, None, OPTIONS, want_text=True, want_requisites=False)
    chars = text_chars(analysis.extraction) or 0
    reason = browser_reason(html, chars)
    shell = _EMPTY_MOUNT.search(html)
    return Verdict(name, url, chars, signal_name(reason), reason, shell is not None,
                   _NOSCRIPT_JS.search(html) is not None, shell.group(0)[:160] if shell else "")


def decode(body: bytes) -> str:
    """The page's text as Scrapy would decode it with no Content-Type header (BOM, meta, sniff)."""
    return html_to_unicode(None, body)[1]


def _judge_file(args: tuple[str, str]) -> Verdict:
    path, url = args
    return judge(Path(path).name, url, decode(Path(path).read_bytes()))


def real_pages(folder: Path, workers: int) -> list[Verdict]:
    urls: dict[str, str] = {}
    labels = folder.parent / "evaldata.json"
    if labels.exists():
        urls = {entry["file"]: url for url, entry in json.loads(labels.read_text()).items()}
    files = sorted(folder.glob("*.html"))
    jobs = [(str(f), urls.get(f.name, f"https://eval.invalid/{f.name}")) for f in files]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_judge_file, jobs, chunksize=8))


def fixture_pages() -> list[tuple[Verdict, bool | None]]:
    """(verdict, whether it should trigger) for every 2xx HTML page of the fixture web; None where
    the fixtures make no promise (navigation pages, and the source whose connection is reset
    after 100 bytes: a crawl sees it cut short, with no text, and may well load it again)."""
    from tests.servers import script_site, site  # noqa: PLC0415 - only this report needs them

    base = "http://fixture.test"
    expected: dict[str, bool] = {script_site.STORY_PATH: True, site.ARTICLE_PATH: False,
                                 **{p: False for p in script_site.SOURCE_PATHS},
                                 **{p: False for p in site.CITED_PATHS - {site.RESET_PATH}}}
    out = []
    for path, page in sorted(site.build_site(base).items()):
        if not 200 <= page.status < 300 or "html" not in (page.content_type or ""):
            continue
        verdict = judge(path, base + path, decode(page.body))
        out.append((verdict, expected.get(path)))
    return out


def summary(verdicts: list[Verdict], examples: int = 5) -> dict:
    by_signal = Counter(v.signal for v in verdicts if v.signal)
    return {
        "pages": len(verdicts),
        "would_load": sum(by_signal.values()),
        "by_signal": dict(by_signal),
        "matches_alone": {
            "no main text": sum(v.text_chars < MIN_TEXT_CHARS for v in verdicts),
            "empty app shell": sum(v.matches_shell for v in verdicts),
            "empty app shell, main text >= SHORT_TEXT_CHARS": sum(
                v.matches_shell and v.text_chars >= SHORT_TEXT_CHARS for v in verdicts),
            "noscript asks for JavaScript": sum(v.matches_noscript for v in verdicts),
            "noscript, main text >= SHORT_TEXT_CHARS (spared)": sum(
                v.matches_noscript and v.text_chars >= SHORT_TEXT_CHARS for v in verdicts),
        },
        "examples": {signal: [{"file": v.name, "url": v.url, "text_chars": v.text_chars,
                               **({"mount": v.mount} if v.mount else {})}
                              for v in verdicts if v.signal == signal][:examples]
                     for signal in sorted(by_signal)},
    }


def render(real: dict | None, fixtures: list[tuple[Verdict, bool | None]]) -> str:
    lines = []
    if real:
        lines += [f"Real pages: {real['pages']}; `auto` would load {real['would_load']} in Chromium "
                  f"({100 * real['would_load'] / max(1, real['pages']):.1f}%)", "",
                  "| signal (first that fires) | pages |", "|---|---|"]
        lines += [f"| {s} | {n} |" for s, n in sorted(real["by_signal"].items())]
        lines += ["", "| pattern, alone | pages |", "|---|---|"]
        lines += [f"| {s} | {n} |" for s, n in real["matches_alone"].items()]
        for signal, rows in real["examples"].items():
            lines += ["", f"{signal}:"]
            lines += [f"  {r['url']} ({r['file']}, {r['text_chars']} chars)"
                      + (f" {r['mount']!r}" if r.get("mount") else "") for r in rows]
        lines.append("")
    lines += ["Fixture pages (tests/servers):", "", "| page | main text chars | auto loads it | expected |",
              "|---|---|---|---|"]
    for verdict, want in fixtures:
        mark = "" if want is None else ("yes" if want else "no")
        flag = "" if want is None or want == (verdict.signal is not None) else " **WRONG**"
        lines.append(f"| {verdict.name} | {verdict.text_chars} | {verdict.signal or 'no'} | {mark}{flag} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-pages", type=Path, default=REAL_PAGES)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    real = None
    if args.real_pages.is_dir():
        real = summary(real_pages(args.real_pages, args.workers))
    else:
        print(f"no real pages at {args.real_pages}: fixtures only", file=sys.stderr)
    fixtures = fixture_pages()
    print(render(real, fixtures))
    wrong = [v.name for v, want in fixtures if want is not None and want != (v.signal is not None)]
    args.out.write_text(json.dumps({
        "min_text_chars": MIN_TEXT_CHARS, "short_text_chars": SHORT_TEXT_CHARS,
        "real_pages": real,
        "fixtures": [{**asdict(v), "expected": want} for v, want in fixtures],
        "fixtures_wrong": wrong}, indent=1))
    print(f"results written to {args.out}")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
