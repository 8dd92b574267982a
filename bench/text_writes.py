"""What writing one page's text file costs, and so what batching those writes could save.

Issue 10 asked for text files written in batches. This times citewarc's own writer
(``pipelines.stages.write_json``: JSON encoding, a temporary file, a rename) over a typical
record (8 KB of text, 20 citations), and the JSON encoding alone: batching can only save the
difference (the file system calls and the thread hand-off), never the encoding.

    .venv/bin/python bench/text_writes.py [--count 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.stages import write_json  # noqa: E402


def typical_record(n: int) -> dict:
    return {
        "url": f"https://news.test/story/{n}.html", "final_url": f"https://news.test/story/{n}.html",
        "fetched_at": "2026-11-30T00:00:00Z", "status": 200, "title": "A headline " * 8,
        "author": "A. Writer", "date": "2026-11-30", "sitename": "News", "language": "en",
        "text": "Words of the story, sentence after sentence. " * 180,
        "citations": [{"url": f"https://source{i}.test/report", "text": "the report", "kind": "link"}
                      for i in range(20)],
        "warc_record_id": "<urn:uuid:00000000-0000-0000-0000-000000000000>", "extraction_note": None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args(argv)
    records = [typical_record(n) for n in range(args.count)]
    with tempfile.TemporaryDirectory() as folder:
        start = time.process_time()
        for n, record in enumerate(records):
            write_json(Path(folder) / "text" / f"{n}.json", record)
        whole = (time.process_time() - start) / args.count * 1000
    start = time.process_time()
    for record in records:
        json.dumps(record, ensure_ascii=False, indent=1)
    encoding = (time.process_time() - start) / args.count * 1000
    print(f"one text file: {whole:.2f} ms CPU, of which JSON encoding {encoding:.2f} ms; "
          f"batching could save at most {whole - encoding:.2f} ms a page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
