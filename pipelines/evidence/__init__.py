"""Evidence anyone can check: signing, trusted time, provenance (issue 14)."""
