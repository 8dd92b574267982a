"""Pure web logic: URLs, citations and requisites, feeds, page analysis, failure descriptions."""
