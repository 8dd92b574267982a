"""`citewarc keygen` as a user runs it (a subprocess with its own HOME and XDG_CONFIG_HOME): the key
made once with mode 0600, never overwritten (exit 2, one line, the file unchanged),
CITEWARC_SIGNING_KEY and --key-file honoured, and what it prints checked against the key file by
code here (the fingerprint is the sha256 of the SPKI DER, computed independently)."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import run_citewarc_in

pytestmark = pytest.mark.integration


def printed(stdout: str) -> dict[str, str]:
    """The key file, fingerprint, PEM and publicKey keygen printed."""
    path = re.search(r"^key file: (.+)$", stdout, re.M)
    fingerprint = re.search(r"^fingerprint: ([0-9a-f]{64})$", stdout, re.M)
    pem = re.search(r"^-----BEGIN PUBLIC KEY-----\n.+?\n-----END PUBLIC KEY-----\n", stdout, re.M | re.S)
    public_b64 = re.search(r"^publicKey: ([A-Za-z0-9+/=]+)$", stdout, re.M)
    assert path and fingerprint and pem and public_b64, stdout
    return {"path": path[1], "fingerprint": fingerprint[1], "pem": pem[0], "publicKey": public_b64[1]}


def spki_of_key_file(path: Path) -> bytes:
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    assert private_key.curve.name == "secp384r1"
    return private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    return lines[0]


def test_keygen_makes_the_key_once_under_xdg_config_home(tmp_path):
    result = run_citewarc_in(tmp_path, ["keygen"])
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "home" / ".config" / "citewarc" / "signing-key.pem"
    shown = printed(result.stdout)
    assert Path(shown["path"]) == key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    spki = spki_of_key_file(key_file)
    assert shown["fingerprint"] == hashlib.sha256(spki).hexdigest()
    assert base64.b64decode(shown["publicKey"]) == spki
    assert serialization.load_pem_public_key(shown["pem"].encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == spki
    assert "every crawl from now on is signed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    before = key_file.read_bytes()
    again = run_citewarc_in(tmp_path, ["keygen"])
    assert again.returncode == 2
    line = one_error_line(again.stderr)
    assert str(key_file) in line and "never overwritten" in line
    assert again.stdout == ""
    assert key_file.read_bytes() == before


def test_keygen_honours_citewarc_signing_key_and_key_file(tmp_path):
    env_key = tmp_path / "keys" / "newsroom.pem"
    result = run_citewarc_in(tmp_path, ["keygen"], env={"CITEWARC_SIGNING_KEY": str(env_key)})
    assert result.returncode == 0, result.stderr
    assert Path(printed(result.stdout)["path"]) == env_key
    assert stat.S_IMODE(env_key.stat().st_mode) == 0o600
    assert not (tmp_path / "home" / ".config" / "citewarc" / "signing-key.pem").exists()
    assert "every crawl from now on is signed" in result.stderr

    refused = run_citewarc_in(tmp_path, ["keygen"], env={"CITEWARC_SIGNING_KEY": str(env_key)})
    assert refused.returncode == 2 and str(env_key) in one_error_line(refused.stderr)

    elsewhere = run_citewarc_in(tmp_path, ["keygen", "--key-file", "spare.pem"],
                                env={"CITEWARC_SIGNING_KEY": str(env_key)})
    assert elsewhere.returncode == 0, elsewhere.stderr
    spare = tmp_path / "spare.pem"
    shown = printed(elsewhere.stdout)
    assert Path(shown["path"]) == spare
    assert shown["fingerprint"] == hashlib.sha256(spki_of_key_file(spare)).hexdigest()
    assert "once CITEWARC_SIGNING_KEY names it" in elsewhere.stderr  # crawls use env_key, not this one
