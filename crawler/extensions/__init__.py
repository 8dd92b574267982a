"""Scrapy extensions that watch the whole crawl: the progress line and the time limit."""
