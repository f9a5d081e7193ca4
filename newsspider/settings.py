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
# A page given up is counted and judged by FAILURE_THRESHOLD, not an error of the run.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Checks every address at connect time: non-public addresses only for ALLOWED_HOSTS.
TWISTED_DNS_RESOLVER = "newsspider.crawl.middlewares.PolicyResolver"
CLOSESPIDER_PAGECOUNT = 20000  # pages per run; 0 = no cap

# --- Memory (bench/bench_memory.py) ----------------------------------------------------------
# Pending requests are kept pickled (~0.5 KB instead of ~1.6 KB each), in the same LIFO order.
SCHEDULER_MEMORY_QUEUE = "newsspider.crawl.queues.PickledLifoMemoryQueue"
# Stop fetching while this many response bytes wait to be parsed (Scrapy: 5 MB; a page is
# 10-40 KB, and each held response also keeps its decoded text).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Items and requests of one response processed in parallel (Scrapy: 100, one asyncio task
# each); the pipelines are synchronous, so more only costs memory and CPU.
CONCURRENT_ITEMS = 16

# --- Security: off unless turned on deliberately -----------------------------------------
# Scrapy's remote-control extension runs Python code sent to a local HTTP port.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Incremental crawls: the SQLite seen-store. Unset: data/seen.sqlite3 beside the project for
# live crawls, off in replay; "off" turns it off.
SEEN_DB = None
# SEEN_STORE (unset): a factory of another seen-store, taking the crawler; the Redis add-on
# sets it (a value here would outrank the add-on's).
# The layout-drift alarm (crawl/coverage.py): a run whose articles have a field less often
# than this share exits with status 7 and logs one line per field. Judged from this many
# articles on; images and structured-data disagreement as below.
COVERAGE_FLOORS = {"title": 0.99, "body": 0.95, "source": 0.7, "stamp": 0.7, "related": 0.5}
COVERAGE_MAX_DISAGREEMENT = 0.2
COVERAGE_MIN_ARTICLES = 10
# Seconds the SQLite seen-store waits for another process's write lock before giving up.
SEEN_DB_TIMEOUT = 30.0
# Exit non-zero (5) when more than this share of pages failed to download or parse.
FAILURE_THRESHOLD = 0.25

DOWNLOADER_MIDDLEWARES = {
    "newsspider.crawl.middlewares.HostPolicyDownloaderMiddleware": 40,
    "newsspider.crawl.middlewares.SeenStoreDownloaderMiddleware": 50,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "newsspider.crawl.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsspider.crawl.middlewares.RetryAfterMiddleware": 550,
    "newsspider.crawl.replay.ReplayDownloaderMiddleware": 950,
    "newsspider.render.middleware.RenderDownloaderMiddleware": 585,
}
FEED_STORAGES = {
    "": "newsspider.crawl.feeds.AtomicFileFeedStorage",
    "file": "newsspider.crawl.feeds.AtomicFileFeedStorage",
    "stdout": "newsspider.crawl.feeds.FlushedStdoutFeedStorage",
    # Scrapy's remote storages, not uploading the feed of a run that failed (feeds.py).
    "ftp": "newsspider.crawl.feeds.GatedFTPFeedStorage",
    "ftps": "newsspider.crawl.feeds.GatedFTPFeedStorage",
    "s3": "newsspider.crawl.feeds.GatedS3FeedStorage",
    "gs": "newsspider.crawl.feeds.GatedGCSFeedStorage",
}
EXTENSIONS = {
    "newsspider.crawl.extensions.GcFreezeExtension": 100,
    "newsspider.crawl.progress.FailureLogExtension": 110,
    "newsspider.crawl.progress.ProgressExtension": 120,
    "newsspider.crawl.coverage.CoverageMonitorExtension": 800,
    "newsspider.crawl.extensions.StatsFileExtension": 900,
    "newsspider.crawl.extensions.RunSummaryExtension": 910,
}
# Leave the startup heap out of garbage collections while the spider runs (extensions.py).
GC_FREEZE = True
# Write the final stats of a crawl as JSON to this path ("" = off); the log gets the summary
# line instead of Scrapy's stats dump (STATS_DUMP=True brings it back).
STATS_DUMP = False
STATS_FILE = ""

ITEM_PIPELINES = {
    "newsspider.crawl.pipelines.TimestampPipeline": 200,
    "newsspider.crawl.pipelines.BylinePipeline": 300,
    "newsspider.crawl.coverage.CoveragePipeline": 700,
    "newsspider.crawl.pipelines.ValidationPipeline": 800,
    "newsspider.crawl.pipelines.SeenStorePipeline": 900,
}
# LOG_LEVEL: `scrapy crawl` defaults to INFO (commands/crawl.py), what a person reads (no item
# dumps); -L DEBUG for every request and traceback. Set here, it would outrank every
# command's own default (inspect, report and push log only warnings).
# Only the versions that matter in a bug report (Scrapy logs a dozen by default).
LOG_VERSIONS = ["lxml", "libxml2", "twisted", "python", "platform"]
# A live progress line while stderr is a terminal (never under cron, systemd or a pipe).
PROGRESS = True
PROGRESS_INTERVAL = 1.0
LOG_FORMATTER = "newsspider.crawl.logformatter.LogFormatter"

FEED_EXPORT_ENCODING = "utf-8"
# JSON lines as Scrapy writes them, without its per-field ItemAdapter round trip.
FEED_EXPORTERS = {
    "jsonlines": "newsspider.crawl.feeds.DataclassJsonLinesItemExporter",
    "jsonl": "newsspider.crawl.feeds.DataclassJsonLinesItemExporter",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- Rendering of client-rendered pages (newsspider/render.py) --------------------------------
# auto: render (headless Chromium, scrapy-playwright) only pages whose HTML holds no article;
# always: render every page; never: never start a browser. Replay (REPLAY_DIR) never renders.
RENDER = "auto"
# Chromium to render with ("" = Playwright's own Chromium if installed, else Debian's chromium).
RENDER_BROWSER_PATH = ""
# Extra Chromium flags: a list (or a JSON list / one flag on the command line).
RENDER_BROWSER_ARGS: list[str] = []
# Pages rendered at once (each page is closed after its render).
RENDER_MAX_PAGES = 4
# Renders per browser context; a context is closed when its renders are done.
RENDER_CONTEXT_PAGES = 50
# Seconds a render may take to load a page, and again to wait for its article to appear.
RENDER_TIMEOUT = 30
# Routes http(s) through scrapy-playwright's download handler (DOWNLOAD_HANDLERS) and sets its
# PLAYWRIGHT_* settings from the above, only when this crawl can render (see RenderAddon).
ADDONS = {
    "newsspider.render.config.RenderAddon": 0,
}
# --- end of rendering ------------------------------------------------------------------------

# --- Scale-out on Redis (newsspider/scaleout/) -------------------------------------------------
# redis://host:port/db shared by every worker; "" = the REDIS_URL environment variable, and
# without that no Redis at all (Scrapy's scheduler, the SQLite seen-store, the run lock).
REDIS_URL = ""
# Keys are "<spider>:<namespace>:..." ("" = "<spider>:...", e.g. daily8:start_urls).
REDIS_NAMESPACE = ""
# This worker's name in Redis and in feed names (%(worker_id)s); "" = <hostname>-<pid>.
WORKER_ID = ""
FEED_URI_PARAMS = "newsspider.scaleout.config.feed_uri_params"  # adds %(worker_id)s
# True: every worker also queues its own start pages (-a urls, or the home pages of -a locale);
# the shared duplicate filter lets the first worker's through. False: workers take only start
# URLs pushed with `scrapy push` and wait for them (give REDIS_IDLE_TIMEOUT some seconds).
REDIS_SEED = True
# Seconds an idle worker keeps waiting once nothing is queued and no worker is busy; -1 = forever.
REDIS_IDLE_TIMEOUT = 0.0
# Seconds without a heartbeat after which a worker counts as dead and the requests it took
# are requeued for the others (or the next run).
REDIS_WORKER_TIMEOUT = 30.0
ADDONS = {**ADDONS, "newsspider.scaleout.config.RedisAddon": 10}
# --- end of scale-out ------------------------------------------------------------------------
