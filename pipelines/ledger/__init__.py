"""The citation ledger: what happened to every source a story cites, checked against independent
archives (``memento``), with the digest every part compares main texts by (``text_digest``)."""
