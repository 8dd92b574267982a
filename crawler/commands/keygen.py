"""``citewarc keygen``: make the signing key that signs every crawl's WACZ from then on.

The key is made once and never overwritten: crawls already signed name their signer by its public
key, and a reader who pinned its fingerprint must keep finding it.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path

from crawler.commands import debug_option
from crawler.errors import EXIT_OK, EXIT_USAGE, UsageError, exit_codes_help

COMMON_OPTIONS = False  # no store, and nothing to show with -v
HELP = "make the signing key (ECDSA P-384) that signs every crawl's WACZ from then on"
DESCRIPTION = """\
Create an ECDSA P-384 signing key (the WACZ signing spec's anonymous form, which ReplayWeb.page
checks): an unencrypted PEM file readable only by you (mode 0600). Prints its path, its
fingerprint (the SHA-256 of the public key: readers pin it with `citewarc verify --key`) and the
public key, in PEM and in the spec's base64 form. From then on every crawl's
datapackage-digest.json is signed with it. An existing key is never overwritten: keep a copy of
it somewhere safe, as new crawls can carry the same signer only with it."""
EPILOG = """\
environment:
  CITEWARC_SIGNING_KEY   where the key is (default: $XDG_CONFIG_HOME/citewarc/signing-key.pem,
                         else ~/.config/citewarc/signing-key.pem)

""" + exit_codes_help((EXIT_OK, EXIT_USAGE), notes={
    EXIT_OK: "the key was made and its public key printed",
    EXIT_USAGE: "a key already exists there (it is never overwritten), or it could not be written",
})


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--key-file", metavar="PATH",
                        help="where to write the key (default: $CITEWARC_SIGNING_KEY, else "
                             "~/.config/citewarc/signing-key.pem)")
    debug_option(parser)


def run(args: Namespace) -> int:
    from crawler.config import load_settings, refuse_control_characters
    from pipelines.evidence.signing_key import KEY_SETTING, SigningKeyError, generate_key, key_path

    configured = load_settings().get(KEY_SETTING)
    path = key_path(args.key_file or configured).absolute()
    refuse_control_characters(str(path), "the signing key's path")  # it is printed and named
    try:
        key = generate_key(path)
    except SigningKeyError as exc:
        raise UsageError(str(exc)) from None
    print(f"key file: {key.path}")
    print(f"fingerprint: {key.fingerprint}")
    print(key.public_key_pem, end="")
    print(f"publicKey: {key.public_key_b64}")
    if _same_file(path, key_path(configured)):
        note = f"every crawl from now on is signed with {key.path} (keep a copy somewhere safe)"
    else:
        note = f"crawls are signed with {key.path} once CITEWARC_SIGNING_KEY names it"
    print(f"signing key made: {note}", file=sys.stderr)
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
