"""Evidence anyone can check: signing, trusted time, provenance and the bundle checks."""
