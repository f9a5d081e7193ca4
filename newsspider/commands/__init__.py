"""Scrapy commands of newsspider: ``crawl`` (validated arguments), ``record``, ``regenerate``."""
