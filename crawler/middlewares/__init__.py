"""Downloader middlewares (and the download handler beneath them): what a fetch may do and what
enters the WARC."""
