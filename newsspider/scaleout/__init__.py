"""Add-on: several workers share one crawl through Redis (scrapy-redis).

This package's `config` module imports no Redis client; the others do."""
