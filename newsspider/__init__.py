"""newsspider: crawl the Daily8 news aggregator into a normalized JSON-lines feed."""

__version__ = "0.1.0"
