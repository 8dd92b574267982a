"""citewarc: archive a story and everything it cites."""

__version__ = "0.1.0"
