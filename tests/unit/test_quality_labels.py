"""Citation labels read the same from a directory of page files and from citations.jsonl."""

from __future__ import annotations

import json

import pytest

from tests.quality.collect_labels import collect
from tests.quality.collect_labels import main as collect_main
from tests.quality.devset import decode, load_labels


def _page(page_id: str) -> dict:
    return {"source": "wcxb", "id": page_id, "url": f"https://example.com/{page_id}",
            "links": [{"url": "https://other.example/doc", "anchors": ["a report"], "cited": True,
                       "category": "inline"}]}


def test_directory_and_collected_file_give_the_same_labels(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    for page_id in ("0215", "0002"):
        (labels / f"{page_id}.json").write_text(json.dumps(_page(page_id)), encoding="utf-8")
    out = tmp_path / "citations.jsonl"
    assert collect_main([str(labels), "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["0002", "0215"]
    assert load_labels(out) == load_labels(labels)
    assert set(load_labels(out)) == {("wcxb", "0002"), ("wcxb", "0215")}


def test_a_link_without_a_judgement_is_refused(tmp_path):
    page = _page("0001")
    del page["links"][0]["cited"]
    (tmp_path / "0001.json").write_text(json.dumps(page), encoding="utf-8")
    with pytest.raises(SystemExit):
        collect(tmp_path)


def test_missing_labels_are_no_labels(tmp_path):
    assert load_labels(tmp_path / "absent.jsonl") == {}


def test_pages_decode_as_utf8_else_their_meta_charset():
    assert decode("Grüße".encode()) == "Grüße"
    latin = b'<meta charset="iso-8859-1"><p>Gr\xfc\xdfe</p>'
    assert "Grüße" in decode(latin)
