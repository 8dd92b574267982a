"""Gather per-page citation label files (``<id>.json``) into ``tests/quality/citations.jsonl``.

Labellers write one JSON object per page, ``{"source", "id", "url", "links": [{"url", "anchors",
"cited", "category", "note"?, "added"?}]}``; the committed file holds the same objects, one a line,
sorted by source and id so that a relabelled page shows as a one-line diff.

    .venv/bin/python tests/quality/collect_labels.py LABEL_DIR [--out tests/quality/citations.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def check(record: dict, name: str) -> None:
    """Refuse a label file that the runner could not score."""
    for key in ("source", "id", "url", "links"):
        if key not in record:
            raise SystemExit(f"{name}: no {key!r}")
    for link in record["links"]:
        if not isinstance(link.get("url"), str) or not isinstance(link.get("cited"), bool):
            raise SystemExit(f"{name}: every link needs a url and cited true|false ({link!r:.120})")


def collect(directory: Path) -> list[dict]:
    records = []
    for path in sorted(directory.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        check(record, path.name)
        records.append(record)
    return sorted(records, key=lambda r: (r["source"], str(r["id"])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "citations.jsonl")
    args = parser.parse_args(argv)
    records = collect(args.directory)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    links = sum(len(r["links"]) for r in records)
    cited = sum(1 for r in records for link in r["links"] if link["cited"])
    print(f"{len(records)} pages, {links} links judged, {cited} cited -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
