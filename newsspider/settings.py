"""Scrapy settings of newsspider. Every project setting is documented in the README."""

BOT_NAME = "newsspider"
SPIDER_MODULES = ["newsspider.spiders"]
NEWSPIDER_MODULE = "newsspider.spiders"
COMMANDS_MODULE = "newsspider.commands"

# Hosts beyond Daily8's own that may be requested: "host[:port],..." (tests use 127.0.0.1:PORT).
ALLOWED_HOSTS: list[str] = []
# Serve every response from this fixture folder instead of the network (offline replay).
REPLAY_DIR = ""

# --- Politeness and limits -------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONTACT_URL = "https://github.com/newsspider/newsspider"
USER_AGENT = "newsspider/0.1 (+{contact})"  # {contact} becomes CONTACT_URL
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles per attempt
RETRY_BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 120.0  # a longer Retry-After gives the page up
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
CLOSESPIDER_PAGECOUNT = 20000  # pages per run; 0 = no cap

# --- Security: off unless turned on deliberately -----------------------------------------
# Scrapy's remote-control extension runs Python code sent to a local HTTP port.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Incremental crawls: the SQLite seen-store. Unset: data/seen.sqlite3 beside the project for
# live crawls, off in replay; "off" turns it off.
SEEN_DB = None
# Exit non-zero (5) when more than this share of pages failed to download or parse.
FAILURE_THRESHOLD = 0.25

DOWNLOADER_MIDDLEWARES = {
    "newsspider.middlewares.HostPolicyDownloaderMiddleware": 40,
    "newsspider.middlewares.SeenStoreDownloaderMiddleware": 50,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "newsspider.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsspider.middlewares.RetryAfterMiddleware": 550,
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
