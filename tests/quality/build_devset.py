"""Rebuild the committed development set (``tests/quality/data/``) from its public sources.

The selection is a rule, not a choice of pages, so anyone can check it was not cherry-picked:

- WCXB (Murrough-Foley/web-content-extraction-benchmark, v1.0 commit c039d5e, CC-BY-4.0): the dev
  split's files whose ``metadata.json`` page type is ``article`` and whose ground truth has a
  non-empty ``main_content``, the first 320 by file id.
- WCXB held out: the next such articles, the first 60 whose citation pool (``citation_pool.py``) has
  1 to 60 links. Their citations were labelled after the citation decision was tuned on the first
  320, and no extraction or citation change was measured on them before: they say how well the
  tuning carries to pages it never saw.
- trafilatura's real-world pages (adbar/trafilatura ``tests/eval``, ``tests/cache`` and
  ``tests/evaldata.json``, commit e90b0ef): entries keyed by an http(s) URL with a non-empty
  ``title`` label, sorted by URL, every fourth one starting with the first.

Any page whose URL is in Zyte's article-extraction-benchmark ground truth is refused (and named): that
set stays an independent check. Every page gets a ``language`` label (see ``language.py``); where the
page's declared language and its words disagree, the label comes from ``languages_checked.json``,
written by a person who read the text, and the build stops if such a page has no checked label.

    .venv/bin/python tests/quality/build_devset.py --wcxb /work/wt/shared/wcxb \\
        --trafilatura /work/bench-data/tests --zyte /path/to/article-extraction-benchmark

Each source may be a directory (a checkout, or the unpacked copy) or a bare git repository (read at
``--wcxb-commit`` / ``--trafilatura-commit``). Writes one ``.tar.xz`` per source (the HTML bytes as
published, ``truth.jsonl``) and ``pages.jsonl``, the index. The archives are byte-for-byte
reproducible (sorted members, zero times and owners).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import lzma
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from tests.quality.devset import decode  # noqa: E402
from tests.quality.language import propose  # noqa: E402

WCXB_COMMIT = "c039d5e"
TRAFILATURA_COMMIT = "e90b0ef"
WCXB_PAGES = 320
HELDOUT_PAGES = 60
HELDOUT_POOL = (1, 60)
TRAFILATURA_STRIDE = 4
WCXB_LICENCE = "CC-BY-4.0 (WCXB, Murrough Foley); page (c) its publisher"
TRAFILATURA_LICENCE = "Apache-2.0 repository (adbar/trafilatura); page (c) its publisher"
ARCHIVES = {"wcxb": "wcxb-dev-articles.tar.xz", "trafilatura": "trafilatura-eval.tar.xz",
            "heldout": "wcxb-heldout-articles.tar.xz"}


@dataclass
class Tree:
    """Files of a source, from a directory or from a bare git repository at a commit."""

    root: Path
    commit: str
    prefix: str  # path of the source inside the repository (bare repositories only)
    git: bool

    def read(self, path: str) -> bytes | None:
        if not self.git:
            file = self.root / path
            return file.read_bytes() if file.is_file() else None
        spec = f"{self.commit}:{self.prefix}{path}"
        done = subprocess.run(["git", "--git-dir", str(self.root), "show", spec], capture_output=True,
                              check=False)
        return done.stdout if done.returncode == 0 else None


def open_tree(root: Path, commit: str, prefix: str) -> Tree:
    """A directory is read as it is; a bare repository through ``git show commit:prefix/path``."""
    bare = (root / "HEAD").is_file() and (root / "objects").is_dir()
    return Tree(root, commit, prefix if bare else "", bare)


def url_key(url: str) -> str:
    """A URL without scheme, ``www.``, fragment and trailing slash, lower-cased host: for refusals."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"


def zyte_urls(root: Path | None) -> set[str]:
    """The URLs of Zyte's benchmark, as :func:`url_key`s (empty when no copy is given)."""
    if root is None:
        return set()
    tree = open_tree(root, "HEAD", "")
    raw = tree.read("ground-truth.json")
    if raw is None:
        raise SystemExit(f"no ground-truth.json in {root}")
    return {url_key(item["url"]) for item in json.loads(raw).values() if item.get("url")}


@dataclass
class Page:
    source: str
    id: str
    url: str
    member: str  # path of the HTML inside the archive
    html: bytes
    truth: dict


def wcxb_pages(tree: Tree, refused: set[str], report: list[str]) -> list[Page]:
    """The first WCXB_PAGES dev articles with a non-empty main text, by file id."""
    pages: list[Page] = []
    for page in wcxb_articles(tree, refused, report):
        pages.append(page)
        if len(pages) == WCXB_PAGES:
            break
    return pages


def heldout_pages(tree: Tree, refused: set[str], report: list[str]) -> list[Page]:
    """After the first WCXB_PAGES, the first HELDOUT_PAGES articles with 1-60 links to judge."""
    from tests.quality.citation_pool import link_pool

    low, high = HELDOUT_POOL
    pages: list[Page] = []
    for n, page in enumerate(wcxb_articles(tree, refused, report)):
        if n < WCXB_PAGES:
            continue
        if low <= len(link_pool(decode(page.html), page.url, page.truth["text"])) <= high:
            pages.append(Page("heldout", page.id, page.url, page.member, page.html, page.truth))
        if len(pages) == HELDOUT_PAGES:
            break
    return pages


def wcxb_articles(tree: Tree, refused: set[str], report: list[str]) -> Iterator[Page]:
    """WCXB dev articles with a non-empty main text, by file id (Zyte's pages refused)."""
    meta = json.loads(tree.read("metadata.json") or b"{}")
    files = meta.get("files", {})
    for file_id in sorted(files):
        info = files[file_id]
        if info.get("split") != "dev" or info.get("page_type") != "article":
            continue
        record = json.loads(tree.read(f"dev/ground-truth/{file_id}.json") or b"{}")
        truth = record.get("ground_truth", {})
        if not (truth.get("main_content") or "").strip():
            continue
        url = record.get("url", "")
        if url_key(url) in refused:
            report.append(f"wcxb {file_id} {url}: in Zyte's benchmark, refused")
            continue
        html = gzip.decompress(tree.read(f"dev/html/{file_id}.html.gz"))
        yield Page("wcxb", file_id, url, f"html/{file_id}.html", html, {
            "title": truth.get("title") or "", "author": truth.get("author") or "",
            "date": truth.get("publish_date") or "", "text": truth["main_content"],
        })


def trafilatura_pages(tree: Tree, refused: set[str], report: list[str]) -> list[Page]:
    """Every TRAFILATURA_STRIDE-th titled entry of evaldata.json, sorted by URL, first one first."""
    evaldata = json.loads(tree.read("evaldata.json") or b"{}")
    eligible = []
    for url in sorted(evaldata):
        item = evaldata[url]
        if not url.startswith(("http://", "https://")) or not (item.get("title") or "").strip():
            continue
        if url_key(url) in refused:
            report.append(f"trafilatura {item['file']} {url}: in Zyte's benchmark, refused")
            continue
        eligible.append(url)
    pages = []
    for url in eligible[::TRAFILATURA_STRIDE]:
        item = evaldata[url]
        html = tree.read(f"cache/{item['file']}") or tree.read(f"eval/{item['file']}")  # as trafilatura
        if html is None:
            raise SystemExit(f"trafilatura page {item['file']} missing")
        author = item.get("author") or ""
        if isinstance(author, list):  # one entry lists its four authors
            author = "; ".join(author)
        pages.append(Page("trafilatura", item["file"], url, f"html/{item['file']}", html, {
            "title": item.get("title") or "", "author": author,
            "date": item.get("date") or "", "with": list(item.get("with", [])),
            "without": list(item.get("without", [])),
        }))
    return pages


def label_language(page: Page, checked: dict[str, dict]) -> tuple[str | None, dict]:
    """(label or None, the proposals): agreed proposals, else the checked label."""
    html = decode(page.html)
    text = page.truth.get("text")
    if text is None:
        import trafilatura

        extracted = trafilatura.extract(html, url=page.url) or ""
        text = " ".join([page.truth["title"], *page.truth["with"], extracted])
    declared, from_text = propose(html, text)
    proposals = {"declared": declared, "text": from_text}
    key = f"{page.source}:{page.id}"
    if key in checked:
        return checked[key]["language"], {**proposals, "checked": True}
    if declared and declared == from_text:
        return declared, proposals
    return None, proposals


def write_archive(path: Path, pages: list[Page]) -> None:
    """One reproducible tar.xz: the HTML as published, then truth.jsonl (one labelled page per line)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        members = [(p.member, p.html) for p in pages]
        rows = [{"id": p.id, "url": p.url, "file": p.member, **p.truth} for p in pages]
        truth = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        members.append(("truth.jsonl", truth.encode("utf-8")))
        for name, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(lzma.compress(buffer.getvalue(), preset=9))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wcxb", type=Path, required=True, help="WCXB repository or its unpacked copy")
    parser.add_argument("--wcxb-commit", default=WCXB_COMMIT)
    parser.add_argument("--trafilatura", type=Path, required=True,
                        help="trafilatura's tests/ folder, or its bare repository")
    parser.add_argument("--trafilatura-commit", default=TRAFILATURA_COMMIT)
    parser.add_argument("--zyte", type=Path,
                        help="Zyte's article-extraction-benchmark (its pages are refused)")
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--checked", type=Path, default=HERE / "languages_checked.json")
    parser.add_argument("--review", type=Path, help="write pages whose language needs a reader here (JSON)")
    args = parser.parse_args(argv)

    report: list[str] = []
    refused = zyte_urls(args.zyte)
    if args.zyte is None:
        report.append("no --zyte copy given: Zyte's pages could not be refused")
    else:
        report.append(f"Zyte's benchmark: {len(refused)} URLs, any of them refused")
    checked = json.loads(args.checked.read_text(encoding="utf-8")) if args.checked.is_file() else {}
    wcxb_tree = open_tree(args.wcxb, args.wcxb_commit, "")
    wcxb = wcxb_pages(wcxb_tree, refused, report)
    heldout = heldout_pages(wcxb_tree, refused, report)
    trafilatura = trafilatura_pages(open_tree(args.trafilatura, args.trafilatura_commit, "tests/"), refused,
                                    report)
    index, review = [], []
    for page in [*wcxb, *trafilatura, *heldout]:
        language, proposals = label_language(page, checked)
        if language is None:
            review.append({"key": f"{page.source}:{page.id}", "url": page.url, **proposals,
                           "title": page.truth["title"],
                           "excerpt": (page.truth.get("text") or " / ".join(page.truth["with"]))[:400]})
        page.truth["language"] = language or ""
        licence = TRAFILATURA_LICENCE if page.source == "trafilatura" else WCXB_LICENCE
        index.append({"id": page.id, "source": page.source, "url": page.url, "language": language or "",
                      "archive": ARCHIVES[page.source], "file": page.member, "licence": licence,
                      "scored": "snippets" if page.source == "trafilatura" else "shingles"})
    for line in report:
        print(line)
    if review:
        if args.review:
            args.review.write_text(json.dumps(review, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"{len(review)} pages need a checked language label ({args.checked.name})", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    write_archive(args.out / ARCHIVES["wcxb"], wcxb)
    write_archive(args.out / ARCHIVES["trafilatura"], trafilatura)
    write_archive(args.out / ARCHIVES["heldout"], heldout)
    (args.out / "pages.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in index), encoding="utf-8")
    total = 0
    for name in [*ARCHIVES.values(), "pages.jsonl"]:
        size = (args.out / name).stat().st_size
        total += size
        print(f"{name}: {size / 1e6:.2f} MB")
    print(f"{len(wcxb)} WCXB pages, {len(trafilatura)} trafilatura pages, "
          f"{len(heldout)} held-out WCXB pages, {total / 1e6:.2f} MB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
