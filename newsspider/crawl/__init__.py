"""The crawl machinery: middlewares, pipelines, extensions, feeds, seen-store, exit statuses."""
