"""WARC files: building records, the rolling writer, reading back and repair, checking."""
