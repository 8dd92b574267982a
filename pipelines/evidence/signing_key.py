"""The signing key: where it lives, how it is made once and never overwritten, how it is read.

The WACZ signing spec's anonymous form names the signer only by its public key, so the key *is*
the identity: ECDSA P-384 (the curve ReplayWeb.page imports with WebCrypto), kept as an
unencrypted PKCS#8 PEM readable by its owner alone (0600 in a 0700 folder) so unattended crawls can
sign. A reader pins a signer by its fingerprint: the SHA-256 of the public key's
SubjectPublicKeyInfo DER, the same bytes the spec's ``publicKey`` carries in base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEY_SETTING = "CITEWARC_SIGNING_KEY"
KEY_FILE_NAME = "signing-key.pem"
CURVE = ec.SECP384R1
_HEX64 = re.compile(r"[0-9a-f]{64}")


class SigningKeyError(Exception):
    """The key cannot be used; ``str()`` is one line for the user."""


class KeyExists(SigningKeyError):
    """A key is already at the path: it is never overwritten (crawls signed with it would lose
    their signer)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"a signing key already exists at {path}; it is never overwritten "
                         "(move it away first if you really mean to replace it)")
        self.path = path


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/citewarc`` or ``~/.config/citewarc``."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "citewarc"


def key_path(configured: str | None = None) -> Path:
    """Where the signing key is: ``configured`` (the CITEWARC_SIGNING_KEY setting), else the
    CITEWARC_SIGNING_KEY environment variable (for callers without settings), else
    ``<config dir>/signing-key.pem``."""
    chosen = configured or os.environ.get(KEY_SETTING)
    return Path(chosen).expanduser() if chosen else config_dir() / KEY_FILE_NAME


@dataclass(frozen=True)
class SigningKey:
    """A P-384 private key and the file it came from."""

    private_key: ec.EllipticCurvePrivateKey
    path: Path

    @property
    def public_key_der(self) -> bytes:
        """SubjectPublicKeyInfo DER of the public key."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def public_key_pem(self) -> str:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    @property
    def public_key_b64(self) -> str:
        """The spec's ``publicKey``: base64 of the SPKI DER."""
        return base64.b64encode(self.public_key_der).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """Lowercase hex SHA-256 of the SPKI DER (64 characters)."""
        return hashlib.sha256(self.public_key_der).hexdigest()


def fingerprint_of(public_key_b64: str) -> str:
    """The fingerprint of a ``publicKey`` as the spec writes it (ValueError if not base64)."""
    try:
        der = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("publicKey is not base64") from None
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed by a person (``sha256:`` prefix, colons, spaces, upper case) as the
    64 lowercase hex digits we compare; ValueError when it is not one."""
    value = text.strip().lower()
    value = value.removeprefix("sha256:")
    value = re.sub(r"[\s:]", "", value)
    if not _HEX64.fullmatch(value):
        raise ValueError(f"{text!r} is not a key fingerprint (64 hex digits, the SHA-256 of the "
                         "public key, as `citewarc keygen` and `citewarc verify` print it)")
    return value


def generate_key(path: Path) -> SigningKey:
    """Make a new P-384 key at ``path`` (mode 0600; a folder it creates gets 0700). Never
    overwrites: ``KeyExists`` when anything is already there, a dangling link included."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    private_key = ec.generate_private_key(CURVE())
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyExists(path) from None
    except OSError as exc:
        raise SigningKeyError(f"cannot create the signing key {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # whatever the umask
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # ours (O_EXCL): no half-written key left behind
        raise SigningKeyError(f"cannot write the signing key {path}: {exc.strerror}") from None
    return SigningKey(private_key, path)


def load_key(path: Path) -> SigningKey | None:
    """The key at ``path``; None when there is no file (crawls are then unsigned);
    ``SigningKeyError`` when it is unreadable, not a PEM private key, encrypted, or not P-384."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SigningKeyError(f"the signing key {path} is encrypted; citewarc needs an unencrypted "
                              "key (make one with `citewarc keygen`)") from None
    except (ValueError, binascii.Error):  # cryptography: not PEM, or not a key it can read
        raise SigningKeyError(f"{path} is not a PEM private key (make a signing key with "
                              "`citewarc keygen`)") from None
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise SigningKeyError(f"the signing key {path} is not an ECDSA key; the WACZ signing spec "
                              "uses ECDSA P-384 (make one with `citewarc keygen`)")
    if not isinstance(private_key.curve, CURVE):
        raise SigningKeyError(f"the signing key {path} is on curve {private_key.curve.name}; the "
                              "WACZ signing spec uses P-384 (make one with `citewarc keygen`)")
    return SigningKey(private_key, path)
