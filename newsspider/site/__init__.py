"""The site: what newsspider knows about Daily8 (hosts, URL rules, markup, page objects,
items, the feed schema). Imports nothing of the crawl machinery."""
