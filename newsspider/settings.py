"""Scrapy settings of newsspider. Every project setting is documented in the README."""

BOT_NAME = "newsspider"
SPIDER_MODULES = ["newsspider.spiders"]
NEWSPIDER_MODULE = "newsspider.spiders"
COMMANDS_MODULE = "newsspider.commands"

# Hosts beyond Daily8's own that may be requested: "host[:port],..." (tests use 127.0.0.1:PORT).
ALLOWED_HOSTS: list[str] = []
# Serve every response from this fixture folder instead of the network (offline replay).
REPLAY_DIR = ""

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0

# Incremental crawls: the SQLite seen-store. Unset: data/seen.sqlite3 beside the project for
# live crawls, off in replay; "off" turns it off.
SEEN_DB = None
# Exit non-zero (5) when more than this share of pages failed to download or parse.
FAILURE_THRESHOLD = 0.25

DOWNLOADER_MIDDLEWARES = {
    "newsspider.middlewares.SeenStoreDownloaderMiddleware": 50,
    "newsspider.replay.ReplayDownloaderMiddleware": 950,
}
FEED_STORAGES = {
    "": "newsspider.feeds.AtomicFileFeedStorage",
    "file": "newsspider.feeds.AtomicFileFeedStorage",
}
EXTENSIONS = {
    "newsspider.extensions.StatsFileExtension": 900,
    "newsspider.extensions.RunSummaryExtension": 910,
}
# Write the final stats of a crawl as JSON to this path ("" = off).
STATS_FILE = ""

ITEM_PIPELINES = {
    "newsspider.pipelines.ValidationPipeline": 100,
    "newsspider.pipelines.SeenStorePipeline": 900,
}
LOG_FORMATTER = "newsspider.logformatter.LogFormatter"

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
