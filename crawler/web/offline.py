"""Keep the tool from talking to anything but the pages it archives and its store."""

from __future__ import annotations

from tldextract import TLDExtract


def use_bundled_suffix_list() -> None:
    """Scrapy's cookie middleware builds a TLDExtract that downloads the public suffix list on
    first use; swap it for one that reads the snapshot bundled with tldextract."""
    import scrapy.downloadermiddlewares.cookies as cookies  # noqa: PLC0415

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
