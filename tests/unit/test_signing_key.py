"""pipelines/evidence/signing_key.py: where the key lives, made once (0600, never overwritten), read
back only when it is an unencrypted P-384 key; fingerprints as people type them."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from pipelines.evidence.signing_key import (
    KeyExists,
    SigningKeyError,
    fingerprint_of,
    generate_key,
    key_path,
    load_key,
    normalise_fingerprint,
)


def test_key_path_setting_then_env_then_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CITEWARC_SIGNING_KEY", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert key_path() == tmp_path / "home" / ".config" / "citewarc" / "signing-key.pem"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert key_path() == tmp_path / "xdg" / "citewarc" / "signing-key.pem"
    monkeypatch.setenv("CITEWARC_SIGNING_KEY", str(tmp_path / "env.pem"))
    assert key_path() == tmp_path / "env.pem"
    assert key_path(str(tmp_path / "setting.pem")) == tmp_path / "setting.pem"
    assert key_path("~/k.pem") == tmp_path / "home" / "k.pem"


def test_generate_writes_a_private_p384_pkcs8_key_and_reads_back(tmp_path):
    path = tmp_path / "cfg" / "citewarc" / "signing-key.pem"
    key = generate_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, unencrypted
    again = load_key(path)
    assert again is not None and again.path == path
    assert isinstance(again.private_key.curve, ec.SECP384R1)
    assert again.fingerprint == key.fingerprint and again.public_key_b64 == key.public_key_b64
    # the fingerprint is the sha256 of the SPKI DER, which publicKey carries in base64
    der = key.private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
    assert base64.b64decode(key.public_key_b64) == der
    assert key.fingerprint == hashlib.sha256(der).hexdigest() == fingerprint_of(key.public_key_b64)
    assert key.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----\n")


def test_an_existing_folder_keeps_its_mode(tmp_path):
    tmp_path.chmod(0o755)
    generate_key(tmp_path / "k.pem")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_generate_never_overwrites(tmp_path):
    path = tmp_path / "signing-key.pem"
    first = generate_key(path)
    before = path.read_bytes()
    with pytest.raises(KeyExists) as refused:
        generate_key(path)
    assert str(path) in str(refused.value) and "never overwritten" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert path.read_bytes() == before and load_key(path).fingerprint == first.fingerprint


def test_generate_refuses_a_dangling_link(tmp_path):
    (tmp_path / "k.pem").symlink_to(tmp_path / "elsewhere.pem")
    with pytest.raises(KeyExists):
        generate_key(tmp_path / "k.pem")
    assert not (tmp_path / "elsewhere.pem").exists()


def test_two_keys_differ(tmp_path):
    assert generate_key(tmp_path / "a.pem").fingerprint != generate_key(tmp_path / "b.pem").fingerprint


def test_no_file_is_no_key(tmp_path):
    assert load_key(tmp_path / "absent.pem") is None


def _write(path: Path, private_key, password: bytes | None = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    path.write_bytes(private_key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8, encryption))
    return path


@pytest.mark.parametrize("make, words", [
    (lambda p: _write(p, ec.generate_private_key(ec.SECP256R1())), "secp256r1"),
    (lambda p: _write(p, ed25519.Ed25519PrivateKey.generate()), "not an ECDSA key"),
    (lambda p: _write(p, ec.generate_private_key(ec.SECP384R1()), b"secret"), "encrypted"),
    (lambda p: p.write_text("hello\n"), "not a PEM private key"),
    (lambda p: p.mkdir(), "cannot read"),
])
def test_unusable_keys_are_one_line_naming_the_file(tmp_path, make, words):
    path = tmp_path / "key.pem"
    make(path)
    with pytest.raises(SigningKeyError) as refused:
        load_key(path)
    message = str(refused.value)
    assert words in message and str(path) in message and "\n" not in message


def test_normalise_fingerprint_accepts_what_people_paste():
    hex64 = hashlib.sha256(b"x").hexdigest()
    colons = ":".join(hex64[i:i + 2] for i in range(0, 64, 2)).upper()
    for typed in (hex64, hex64.upper(), f"sha256:{hex64}", f"SHA256:{colons}", f"  {hex64}\n"):
        assert normalise_fingerprint(typed) == hex64
    for bad in ("", hex64[:-1], hex64 + "0", "g" * 64, f"sha1:{hex64}"):
        with pytest.raises(ValueError):
            normalise_fingerprint(bad)


def test_fingerprint_of_refuses_non_base64():
    with pytest.raises(ValueError):
        fingerprint_of("not base64!")
