"""The ledger's main-text digest: whitespace-insensitive, otherwise exact."""

import hashlib

from pipelines.ledger.text_digest import main_text_digest, normalised_text


def test_digest_is_sha256_of_collapsed_text():
    text = "  Lead levels\n\n rose\u00a0in\tMarch.  "
    assert normalised_text(text) == "Lead levels rose in March."
    assert main_text_digest(text) == hashlib.sha256(b"Lead levels rose in March.").hexdigest()


def test_whitespace_differences_do_not_change_the_digest():
    assert main_text_digest("a b\nc") == main_text_digest("a  b \n\n c\n")


def test_any_word_change_does_change_it():
    assert main_text_digest("Lead levels rose in March.") != main_text_digest("Lead levels fell in March.")
    assert main_text_digest("Case") != main_text_digest("case")


def test_no_text_has_no_digest():
    assert main_text_digest(None) is None
    assert main_text_digest(" \n\t ") is None
