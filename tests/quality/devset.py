"""Reading the committed development set and the citation labels (no network, no extraction)."""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
ARCHIVES = {"wcxb": "wcxb-dev-articles.tar.xz", "trafilatura": "trafilatura-eval.tar.xz",
            "heldout": "wcxb-heldout-articles.tar.xz"}
# Sources scored apart from the development set: never used to choose or tune anything.
CHECKS = ("heldout", "zyte")


@dataclass(frozen=True)
class Page:
    """One labelled page: its HTML as published and every label its source gives."""

    source: str
    id: str
    url: str
    html: bytes
    truth: dict  # title, author, date, language; text (full truth) or with/without (snippets)

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.id


def load_source(source: str, data: Path = DATA) -> list[Page]:
    """The pages of one source's archive, in the archive's (build) order."""
    with tarfile.open(data / ARCHIVES[source], mode="r:xz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    rows = [json.loads(line) for line in files["truth.jsonl"].decode("utf-8").splitlines() if line.strip()]
    return [Page(source, row["id"], row["url"], files[row["file"]], row) for row in rows]


def decode(raw: bytes) -> str:
    """As a crawl would see a page saved without its headers: UTF-8, else its <meta> charset."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        match = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", raw[:4096])
        try:
            return raw.decode(match.group(1).decode() if match else "cp1252", errors="replace")
        except LookupError:
            return raw.decode("cp1252", errors="replace")


def load_labels(path: Path) -> dict[tuple[str, str], dict]:
    """Citation labels by (source, id), from ``citations.jsonl`` or a directory of ``<id>.json`` files."""
    if not path.exists():
        return {}
    if path.is_dir():
        records = [json.loads(file.read_text(encoding="utf-8")) for file in sorted(path.glob("*.json"))]
    else:
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(record["source"], str(record["id"])): record for record in records}
