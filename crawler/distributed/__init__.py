"""One crawl shared by many worker processes through Redis (issue 12, ``--redis``). Imported only
when a crawl runs distributed: nothing else in citewarc imports this package, scrapy-redis or redis."""
