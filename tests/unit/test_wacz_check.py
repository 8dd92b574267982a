"""pipelines/evidence/wacz_check.py: a WACZ checked offline, on its own.

The WACZ comes from the project's own writer (pipelines.package.write_wacz) and is then signed,
or tampered with the way someone would: a changed WARC (with its zip CRC fixed up, and with
datapackage.json and its digest recomputed too), an edited datapackage.json, a swapped public key,
a re-signing by another key, a member slipped in, one taken out.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.evidence.signing_key import SigningKey
from pipelines.evidence.wacz_check import check_wacz, sign_wacz_digest
from pipelines.package import write_wacz

CREATED = datetime(2026, 11, 30, 18, 0, 5, tzinfo=UTC)
WARC = "archive/crawl-20261130180005000000-00000-example.warc.gz"


@pytest.fixture
def unsigned(tmp_path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    warc = src / Path(WARC).name
    warc.write_bytes(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n" + bytes(range(256)) * 40)
    index = src / "index.cdxj"
    index.write_text('com,example)/ 20261130180005 {"url": "http://example.com/"}\n')
    pages = src / "pages.jsonl"
    pages.write_text('{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n')
    return write_wacz(tmp_path / "crawl.wacz", [warc], index, pages, None, "crawl", "citewarc 0.1.0",
                      CREATED)


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_members(path: Path, members: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    """The zip rewritten with these members (CRCs and sizes made right: tampering done well)."""
    items = members.items() if isinstance(members, dict) else members
    path.unlink(missing_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in items:
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return path


def dumps(obj: dict) -> bytes:
    return json.dumps(obj, indent=2).encode()


def sign(path: Path, key: SigningKey) -> Path:
    members = read_members(path)
    digest = json.loads(members["datapackage-digest.json"])
    members["datapackage-digest.json"] = dumps(sign_wacz_digest(digest, key, "citewarc 0.1.0", CREATED))
    return write_members(path, members)


def redigest(members: dict[str, bytes]) -> None:
    """What a forger can do without the key: datapackage.json's digest made right again."""
    digest = json.loads(members["datapackage-digest.json"])
    digest["hash"] = "sha256:" + hashlib.sha256(members["datapackage.json"]).hexdigest()
    members["datapackage-digest.json"] = dumps(digest)


def assert_problems(check, *words_per_problem):
    """Exactly one problem per entry, each one line containing its words."""
    assert len(check.problems) == len(words_per_problem), check.problems
    for problem, words in zip(check.problems, words_per_problem, strict=True):
        assert "\n" not in problem
        for word in words:
            assert word in problem, (word, problem)


def test_an_unsigned_wacz_checks_out_and_says_it_is_unsigned(unsigned):
    check = check_wacz(unsigned)
    assert check.ok and check.problems == []
    assert check.signature is None and not check.signed
    assert check.members == [WARC, "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
                             "datapackage-digest.json"]
    assert check.datapackage["title"] == "crawl" and check.digest["path"] == "datapackage.json"


def test_a_signed_wacz_checks_out_with_its_signer(unsigned, key):
    check = check_wacz(sign(unsigned, key))
    assert check.ok, check.problems
    assert check.signature.ok and check.signature.fingerprint == key.fingerprint
    assert check.signature.created == "2026-11-30T18:00:05Z"
    assert check.digest["signedData"]["hash"] == check.digest["hash"]  # what ReplayWeb.page needs
    colons = ":".join(key.fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()
    assert check_wacz(unsigned, expected_fingerprint=colons).ok


def test_sign_wacz_digest_keeps_path_and_hash(key):
    digest = {"path": "datapackage.json", "hash": "sha256:" + "ab" * 32}
    signed = sign_wacz_digest(digest, key, "citewarc 0.1.0", CREATED)
    assert signed["path"] == digest["path"] and signed["hash"] == digest["hash"]
    assert signed["signedData"]["hash"] == digest["hash"] and "signedData" not in digest


def test_another_signer_than_the_required_one(unsigned, key, other_key):
    check = check_wacz(sign(unsigned, key), expected_fingerprint=other_key.fingerprint)
    assert check.signature.ok
    assert_problems(check, ("signed by key", key.fingerprint, other_key.fingerprint))


def test_unsigned_when_a_signer_is_required(unsigned, key):
    assert_problems(check_wacz(unsigned, expected_fingerprint=key.fingerprint),
                    ("not signed", key.fingerprint))


def test_a_bad_required_fingerprint_is_a_value_error(unsigned):
    with pytest.raises(ValueError):
        check_wacz(unsigned, expected_fingerprint="abc")


def test_a_changed_warc_is_caught_however_well_it_is_forged(unsigned, key):
    sign(unsigned, key)
    members = read_members(unsigned)
    warc = bytearray(members[WARC])
    warc[100] ^= 0x01
    members[WARC] = bytes(warc)
    write_members(unsigned, members)  # the zip CRC fixed up
    assert_problems(check_wacz(unsigned), (WARC, "sha256", "changed"))
    # the forger also fixes datapackage.json's entry and the digest's hash: only the signature is left
    package = json.loads(members["datapackage.json"])
    for resource in package["resources"]:
        if resource["path"] == WARC:
            resource["hash"] = "sha256:" + hashlib.sha256(members[WARC]).hexdigest()
    members["datapackage.json"] = dumps(package)
    redigest(members)
    check = check_wacz(write_members(unsigned, members))
    assert not check.signature.ok
    assert_problems(check, ("datapackage-digest.json", "signedData.hash", "not the datapackage hash"))


def test_a_flipped_byte_in_the_zip_itself(unsigned):
    data = bytearray(unsigned.read_bytes())
    at = data.index(b"WARC-Type: warcinfo") + 3  # inside the stored (uncompressed) WARC
    data[at] ^= 0x01
    unsigned.write_bytes(bytes(data))
    assert_problems(check_wacz(unsigned), (WARC, "damaged in the zip", "CRC"))


def test_an_edited_datapackage(unsigned, key):
    sign(unsigned, key)
    members = read_members(unsigned)
    members["datapackage.json"] = members["datapackage.json"].replace(b'"crawl"', b'"other"')
    check = check_wacz(write_members(unsigned, members))
    assert_problems(check, ("datapackage-digest.json", "not the sha256 of datapackage.json"),
                    ("datapackage-digest.json", "not the datapackage hash"))


def test_a_forged_signed_data_hash_fails_the_signature(unsigned, key):
    """The forger edits datapackage.json and puts its new hash everywhere, signedData too."""
    sign(unsigned, key)
    members = read_members(unsigned)
    members["datapackage.json"] = members["datapackage.json"].replace(b'"crawl"', b'"other"')
    redigest(members)
    digest = json.loads(members["datapackage-digest.json"])
    digest["signedData"]["hash"] = digest["hash"]
    members["datapackage-digest.json"] = dumps(digest)
    check = check_wacz(write_members(unsigned, members))
    assert check.signature.fingerprint == key.fingerprint
    assert_problems(check, ("datapackage-digest.json", "does not verify"))


def test_a_swapped_public_key_fails(unsigned, key, other_key):
    sign(unsigned, key)
    members = read_members(unsigned)
    digest = json.loads(members["datapackage-digest.json"])
    digest["signedData"]["publicKey"] = other_key.public_key_b64
    members["datapackage-digest.json"] = dumps(digest)
    check = check_wacz(write_members(unsigned, members))
    assert not check.signature.ok
    assert_problems(check, ("does not verify", other_key.fingerprint))


def test_a_wacz_re_signed_by_another_key_is_caught_only_by_the_required_signer(unsigned, key, other_key):
    sign(unsigned, key)
    sign(unsigned, other_key)  # signedData replaced: a valid signature by someone else
    assert check_wacz(unsigned).ok
    assert_problems(check_wacz(unsigned, key.fingerprint), ("signed by key", other_key.fingerprint))


def test_members_outside_the_signature(unsigned, key):
    sign(unsigned, key)
    members = read_members(unsigned)
    members["evidence/datapackage-digest.tsr"] = b"token"  # made after the signature: expected
    members["archive/extra.warc.gz"] = b"slipped in"
    check = check_wacz(write_members(unsigned, members))
    assert check.signature.ok
    assert_problems(check, ("archive/extra.warc.gz", "not covered by the signature"))


def test_a_missing_resource_and_a_missing_digest(unsigned):
    members = read_members(unsigned)
    del members["pages/pages.jsonl"]
    assert_problems(check_wacz(write_members(unsigned, members)),
                    ("pages/pages.jsonl", "missing from the zip"))
    del members["datapackage-digest.json"]
    assert_problems(check_wacz(write_members(unsigned, members)),
                    ("datapackage-digest.json", "missing"), ("pages/pages.jsonl", "missing from the zip"))


def test_a_missing_datapackage_leaves_the_signature_checked(unsigned, key):
    sign(unsigned, key)
    members = read_members(unsigned)
    del members["datapackage.json"]
    check = check_wacz(write_members(unsigned, members))
    assert check.signature.ok and check.datapackage is None
    assert_problems(check, ("datapackage.json", "missing"), *[(name, "not covered by the signature")
                    for name in (WARC, "indexes/index.cdx", "pages/pages.jsonl")])


def test_a_datapackage_without_a_resources_list(unsigned):
    members = read_members(unsigned)
    package = json.loads(members["datapackage.json"])
    package["resources"] = {"path": WARC}
    members["datapackage.json"] = dumps(package)
    redigest(members)
    check = check_wacz(write_members(unsigned, members))
    assert check.problems[0] == "datapackage.json: has no resources list"
    assert all("not covered by the signature" in p for p in check.problems[1:])
    assert len(check.problems) == 4


def test_a_member_twice(unsigned):
    members = list(read_members(unsigned).items())
    members.append((WARC, b"second copy"))
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name
        write_members(unsigned, members)
    check = check_wacz(unsigned)
    assert any(WARC in p and "2 times" in p for p in check.problems)


def test_not_a_zip(tmp_path):
    path = tmp_path / "crawl.wacz"
    path.write_bytes(b"not a zip")
    check = check_wacz(path)
    assert_problems(check, ("crawl.wacz", "not a readable zip"))
    assert check.members == [] and check.signature is None
    assert_problems(check_wacz(tmp_path / "absent.wacz"), ("absent.wacz", "not a readable zip"))
