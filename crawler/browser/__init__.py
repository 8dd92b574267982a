"""Pages loaded in headless Chromium, every request through Scrapy's downloader."""
