"""Downloader middlewares of newsspider (replay lives in `newsspider.crawl.replay`)."""

from __future__ import annotations

import ipaddress
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import CannotResolveHostError, DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.request import request_from_dict
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from newsspider.crawl.config import RunConfig, policy_for, run_config
from newsspider.crawl.seen import SeenStore, store_for
from newsspider.site.urls import HostPolicy

logger = logging.getLogger(__name__)
#: How a failed lookup reaches the downloader middlewares (Scrapy 2.19 wraps Twisted's).
_DNS_ERRORS = (CannotResolveHostError, DNSLookupError)


class RenderDropped(IgnoreRequest):
    """A page dropped because it needed a render that could not happen; `reason` says why.

    `failed` names the failure of a render that was tried (``render_timeout``, ...): such a
    page counts as failed (``newsspider/pages/failed/<failed>``)."""

    def __init__(self, reason: str, failed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.failed = failed


class AlreadySeen(IgnoreRequest):
    """An article page an earlier run emitted."""


class SeenStoreDownloaderMiddleware:
    """Skip article pages that an earlier run emitted, unless revisited or ``-a full=1``."""

    def __init__(self, config: RunConfig, store: SeenStore, stats: StatsCollector) -> None:
        self.full = config.full
        self.revisit = config.revisit
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenStoreDownloaderMiddleware:
        store = store_for(crawler)
        if store is None:
            raise NotConfigured("the seen-store is off (SEEN_DB)")
        assert crawler.stats is not None
        return cls(run_config(crawler), store, crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        article_id = request.meta.get("article_id")
        if not article_id:
            return
        if self.full:
            return
        record = self.store.get(article_id)
        if record is None:
            return
        if self.revisit is not None and record.first_seen >= datetime.now(UTC) - self.revisit:
            request.meta["revisit"] = True
            self.stats.inc_value("newsspider/articles/revisited")
            return
        self.stats.inc_value("newsspider/articles/already_seen")
        raise AlreadySeen(f"already emitted: {article_id}")


class RefusedHost(IgnoreRequest):
    """A request to a host newsspider must not contact."""


class HostPolicyDownloaderMiddleware:
    """Refuse requests (and redirects) to hosts outside the policy, before any connection.

    Daily8's hosts and ``ALLOWED_HOSTS`` pass. URLs with userinfo (``http://user@host/``)
    are refused (``userinfo``), and IP-literal hosts unless listed in ``ALLOWED_HOSTS``.
    Addresses are checked when a connection is made, by `PolicyResolver`: a lookup it
    refused (loopback, private, link-local, reserved or metadata addresses) comes back here
    as a DNS error and leaves as ``private_address``, counted once per request.
    """

    def __init__(self, policy: HostPolicy, stats: StatsCollector) -> None:
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPolicyDownloaderMiddleware:
        assert crawler.stats is not None
        return cls(run_config(crawler).policy, crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        redirected = bool(request.meta.get("redirect_urls"))
        reason = None
        if not self.policy.allows(request.url):
            reason = "redirect_offsite" if redirected else "offsite"
        elif "@" in urlsplit(request.url).netloc:
            reason = "userinfo"  # credentials in a link: never sent, on any host
        elif not self.policy.listed(request.url) and _ip(_host(request.url)) is not None:
            reason = "private_address"  # IP literals only when listed
        if reason:
            self._refuse(reason, request)

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        if isinstance(exception, _DNS_ERRORS) and REFUSALS.take(_host(request.url)):
            self._refuse("private_address", request)

    def _refuse(self, reason: str, request: Request) -> None:
        self.stats.inc_value(f"newsspider/refused/{reason}")
        raise RefusedHost(f"{reason}: {request.url}")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").strip("[]").lower()


def public_address(host: str) -> bool:
    """True for a global unicast address (not loopback, private, link-local, reserved...)."""
    address = _ip(host)
    return address is not None and address.is_global and not address.is_multicast


class _Refusals:
    """Lookups `PolicyResolver` refused, per host, until a downloader middleware takes them.

    The resolver is built per process (Scrapy gives it the settings, not a crawler), so the
    refusals meet the crawler's stats here.
    """

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, host: str) -> None:
        self._counts[host] = self._counts.get(host, 0) + 1

    def pending(self, host: str) -> bool:
        return self._counts.get(host, 0) > 0

    def take(self, host: str) -> bool:
        count = self._counts.get(host, 0)
        if count <= 0:
            return False
        if count == 1:
            del self._counts[host]
        else:
            self._counts[host] = count - 1
        return True


REFUSALS = _Refusals()


@implementer(IHostnameResolver)
class PolicyResolver:
    """The reactor's name resolver, refusing non-public addresses at connect time.

    Installed with ``TWISTED_DNS_RESOLVER``. Every connection Scrapy's HTTP handler opens
    resolves its host here, so the address checked is the address connected to: a host that
    resolved to a public address and later (DNS rebinding) to 127.0.0.1 gets no address the
    second time, and its download fails. An answer with any non-public address is refused
    whole. Hosts (and host:port) listed in ``ALLOWED_HOSTS`` are not filtered. With
    ``DNSCACHE_ENABLED`` the checked answers are cached (``DNSCACHE_SIZE`` hosts), so a
    cached address is still a checked one.
    """

    def __init__(self, reactor: Any, policy: HostPolicy, cache_size: int) -> None:
        self.reactor = reactor
        self.original_resolver: Any = reactor.nameResolver  # an IHostnameResolver
        self.policy = policy
        self.cache_size = cache_size
        self.cache: OrderedDict[str, list[Any]] = OrderedDict()  # IAddress lists

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PolicyResolver:
        # `crawler` is the CrawlerProcess here: Scrapy builds one resolver per process.
        settings = crawler.settings
        enabled = settings.getbool("DNSCACHE_ENABLED")
        size = settings.getint("DNSCACHE_SIZE") if enabled else 0
        return cls(reactor, policy_for(settings), size)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def public(self, address: Any) -> bool:
        """Whether `address` may be connected to for a host not listed in ALLOWED_HOSTS."""
        return public_address(str(getattr(address, "host", "")))

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        """Resolve `hostName`, handing on only addresses the policy allows."""
        host = hostName.strip("[]").lower()
        if self.policy.listed(f"http://{_netloc(host, portNumber)}/"):
            return self.original_resolver.resolveHostName(
                resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics
            )
        cached = self.cache.get(host)
        if cached is not None:
            self.cache.move_to_end(host)
            resolution = _Resolution(hostName)
            resolutionReceiver.resolutionBegan(resolution)
            for address in cached:
                resolutionReceiver.addressResolved(_with_port(address, portNumber))
            resolutionReceiver.resolutionComplete()
            return resolution
        return self.original_resolver.resolveHostName(
            _CheckingReceiver(self, resolutionReceiver, host),
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )

    def _answered(self, host: str, addresses: list[Any]) -> None:
        if self.cache_size and addresses:
            self.cache[host] = [_with_port(a, 0) for a in addresses]
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)


def _netloc(host: str, port: int) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _with_port(address: Any, port: int) -> Any:
    if isinstance(address, IPv4Address | IPv6Address) and address.port != port:
        return replace_port(address, port)
    return address


def replace_port(address: IPv4Address | IPv6Address, port: int) -> IPv4Address | IPv6Address:
    """`address` with another port (Twisted's addresses are attrs classes)."""
    if isinstance(address, IPv6Address):
        return IPv6Address(address.type, address.host, port, address.flowInfo, address.scopeID)
    return IPv4Address(address.type, address.host, port)


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """A lookup answered from the cache is already over."""


@implementer(IResolutionReceiver)
class _CheckingReceiver:
    """Collects an answer, then hands it on whole if every address is public, else nothing."""

    def __init__(self, resolver: PolicyResolver, receiver: Any, host: str) -> None:
        self.resolver = resolver
        self.receiver = receiver
        self.host = host
        self.addresses: list[Any] = []

    def resolutionBegan(self, resolutionInProgress: Any) -> None:
        self.receiver.resolutionBegan(resolutionInProgress)

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        if all(self.resolver.public(a) for a in self.addresses):
            for address in self.addresses:
                self.receiver.addressResolved(address)
            self.resolver._answered(self.host, self.addresses)
        else:
            REFUSALS.add(self.host)
            logger.info("Refused the addresses of %s: not public", self.host)
        self.receiver.resolutionComplete()


class RetryScheduled(IgnoreRequest):
    """A retry handed back to the engine after a delay; this download attempt ends here."""


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: exponential backoff, and ``Retry-After`` on 429/503.

    ``RETRY_BACKOFF_BASE`` seconds doubles per attempt up to ``RETRY_BACKOFF_MAX``; a
    ``Retry-After`` above ``RETRY_AFTER_MAX`` gives up at once. A delayed retry does not
    hold a download slot: the attempt ends at once (`RetryScheduled`) and the retry request
    is handed to the engine when its delay is over; the spider stays open meanwhile
    (``newsspider/retry/delayed``, ``newsspider/retry/delayed_seconds``). With ``JOBDIR``
    the waiting retries are kept in the job's spider state, so a run stopped while they
    wait makes them when it is resumed (at their due time, or at once if it has passed).
    """

    def __init__(self, settings: BaseSettings, config: RunConfig) -> None:
        super().__init__(settings)
        self.backoff_base = config.retry_backoff_base
        self.backoff_max = config.retry_backoff_max
        self.retry_after_max = config.retry_after_max
        self.persist = bool(config.jobdir)
        self._waiting: dict[str, tuple[Any, Request]] = {}
        self._keys = itertools.count()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = cls(crawler.settings, run_config(crawler))
        middleware.crawler = crawler
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _saved(self) -> dict[str, dict[str, Any]] | None:
        """The waiting retries in the job's spider state (Scrapy's ``SpiderState``), if any."""
        state = getattr(self.crawler.spider, "state", None) if self.persist else None
        if not isinstance(state, dict):
            return None
        saved: dict[str, dict[str, Any]] = state.setdefault(_SAVED_RETRIES, {})
        return saved

    def spider_opened(self, spider: Spider) -> None:
        """A resumed job: schedule the retries its earlier run left waiting."""
        saved = self._saved()
        if not saved:
            return
        entries = list(saved.values())
        saved.clear()
        now = time.time()
        for entry in entries:
            retry = request_from_dict(entry["request"], spider=spider)
            self._schedule(retry, max(0.0, float(entry["due"]) - now))
        logger.info("Resumed %d retries the stopped run left waiting", len(entries))

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        delay = None
        if response.status in (429, 503) and b"Retry-After" in response.headers:
            delay = _retry_after(response.headers.get(b"Retry-After") or b"")
            if delay is None or delay > self.retry_after_max:
                return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            return self._later(result, delay if delay is not None else self._backoff(request))
        return result

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if isinstance(exception, _DNS_ERRORS) and REFUSALS.pending(_host(request.url)):
            return None  # refused by the host policy: not a failure a retry can mend
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            return self._later(result, self._backoff(request))
        return result

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff_base * 2**attempt))

    def _later(self, retry: Request, delay: float) -> Request:
        """Hand `retry` to the engine after `delay` seconds; end this attempt now."""
        if delay <= 0 or retry.callback is NO_CALLBACK:
            # No delay, or a request of a component (robots.txt) that waits for its answer.
            return retry
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsspider/retry/delayed")
        self.crawler.stats.inc_value("newsspider/retry/delayed_seconds", int(delay))
        self._schedule(retry, delay)
        raise RetryScheduled(f"retrying in {delay:g} s: {retry.url}")

    def _schedule(self, retry: Request, delay: float) -> None:
        from twisted.internet import reactor

        key = str(next(self._keys))
        call = reactor.callLater(delay, self._release, key)  # type: ignore[attr-defined,arg-type]
        self._waiting[key] = (call, retry)
        saved = self._saved()
        if saved is not None:
            request = retry.to_dict(spider=self.crawler.spider)
            saved[key] = {"request": request, "due": time.time() + delay}

    def _release(self, key: str) -> None:
        _, retry = self._waiting.pop(key)
        saved = self._saved()
        if saved is not None:
            saved.pop(key, None)
        engine = self.crawler.engine
        try:
            if engine is None:
                raise RuntimeError("no engine")
            engine.crawl(retry)
        except RuntimeError as error:  # the spider is already closing
            logger.info("Retry of %s not made: %s", retry.url, error)

    def spider_idle(self) -> None:
        """Keep the spider open while retries wait for their time."""
        if self._waiting:
            raise DontCloseSpider

    def spider_closed(self) -> None:
        """Cancel the retries still waiting (the run is closing: interrupted or capped)."""
        kept = " (kept in JOBDIR for the resumed run)" if self._saved() is not None else ""
        for call, retry in self._waiting.values():
            if call.active():
                call.cancel()
            logger.info("Retry of %s not made: the spider closed%s", retry.url, kept)
        self._waiting.clear()


#: Key of the waiting retries in a job's spider state (``JOBDIR``).
_SAVED_RETRIES = "newsspider/waiting_retries"


def _retry_after(value: bytes) -> float | None:
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """``USER_AGENT`` with ``{contact}`` replaced by ``CONTACT_URL``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        agent = crawler.settings.get("USER_AGENT", "").replace(
            "{contact}", crawler.settings.get("CONTACT_URL", "")
        )
        middleware = cls(agent)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware
