"""Policy under attack: addresses checked at connect time, delayed retries, honest labels."""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError
from scrapy.statscollectors import MemoryStatsCollector
from twisted.internet.address import IPv4Address, IPv6Address

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.crawl.middlewares import (
    REFUSALS,
    HostPolicyDownloaderMiddleware,
    PolicyResolver,
    RefusedHost,
    RetryAfterMiddleware,
)
from newsspider.crawl.replay import build_crawler
from newsspider.site.urls import HostPolicy
from tests.conftest import FIXTURES, run_crawl

#: Networks no host outside ALLOWED_HOSTS may be connected to.
FORBIDDEN_NETWORKS = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "::ffff:127.0.0.0/104",
    "ff00::/8",
]


class ScriptedResolver:
    """An upstream name resolver answering from a script: host -> answers, one per lookup
    (the last one repeats); a host it does not know has no address."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = {host: list(script) for host, script in answers.items()}
        self.lookups: dict[str, int] = {}

    def resolveHostName(
        self,
        receiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Any = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        self.lookups[hostName] = self.lookups.get(hostName, 0) + 1
        script = self.answers.get(hostName, [[]])
        answer = script.pop(0) if len(script) > 1 else script[0]
        receiver.resolutionBegan(object())
        for host in answer:
            kind = IPv6Address if ":" in host else IPv4Address
            receiver.addressResolved(kind("TCP", host, portNumber))
        receiver.resolutionComplete()
        return receiver


class FakeReactor:
    def __init__(self, upstream: ScriptedResolver) -> None:
        self.nameResolver = upstream


class Collector:
    """An IResolutionReceiver that keeps what it was handed."""

    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.done = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.done = True


def lookup(resolver: PolicyResolver, host: str, port: int = 443) -> list[str]:
    collector = Collector()
    resolver.resolveHostName(collector, host, port)
    assert collector.done
    assert all(a.port == port for a in collector.addresses)
    return [a.host for a in collector.addresses]


def resolver_for(
    answers: dict[str, list[list[str]]], allowed: tuple[str, ...] = (), cache: int = 0
):  # type: ignore[no-untyped-def]
    upstream = ScriptedResolver(answers)
    return PolicyResolver(FakeReactor(upstream), HostPolicy(list(allowed)), cache), upstream


@pytest.fixture(autouse=True)
def _no_leftover_refusals() -> Any:
    yield
    REFUSALS._counts.clear()


def address_in(network: str) -> st.SearchStrategy[str]:
    return st.ip_addresses(network=network).map(str)


PUBLIC = st.ip_addresses().filter(lambda a: a.is_global and not a.is_multicast).map(str)
FORBIDDEN = st.one_of(*(address_in(n) for n in FORBIDDEN_NETWORKS))
HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,20}\.(com|net|example)", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(host=HOSTS, public=st.lists(PUBLIC, min_size=1, max_size=3), rebound=FORBIDDEN)
def test_a_host_rebound_to_a_forbidden_address_gets_no_address(
    host: str, public: list[str], rebound: str
) -> None:
    resolver, upstream = resolver_for({host: [public, [rebound]]})
    assert lookup(resolver, host) == public  # checked: may be connected to
    assert lookup(resolver, host) == []  # rebound: nothing to connect to
    assert upstream.lookups[host] == 2  # every connection resolves (DNSCACHE off)
    assert REFUSALS.take(host) and not REFUSALS.take(host)


@settings(max_examples=100, deadline=None)
@given(host=HOSTS, public=st.lists(PUBLIC, min_size=1, max_size=3), bad=FORBIDDEN)
def test_an_answer_with_any_forbidden_address_is_refused_whole(
    host: str, public: list[str], bad: str
) -> None:
    resolver, _ = resolver_for({host: [[*public, bad]]})
    assert lookup(resolver, host) == []
    assert REFUSALS.pending(host)


def test_hosts_listed_in_allowed_hosts_may_resolve_anywhere() -> None:
    resolver, _ = resolver_for(
        {"intranet.example": [["10.1.2.3"]], "local.example": [["127.0.0.1"]]},
        allowed=("intranet.example", "local.example:8123"),
    )
    assert lookup(resolver, "intranet.example", 80) == ["10.1.2.3"]
    assert lookup(resolver, "local.example", 8123) == ["127.0.0.1"]
    assert lookup(resolver, "local.example", 8124) == []  # another port is not listed
    assert REFUSALS.pending("local.example") and not REFUSALS.pending("intranet.example")


def test_with_dnscache_the_checked_answer_is_the_one_reused() -> None:
    resolver, upstream = resolver_for(
        {"news.example": [["93.184.215.14"], ["127.0.0.1"]], "bad.example": [["10.0.0.1"]]},
        cache=10,
    )
    for port in (443, 80, 443):
        assert lookup(resolver, "news.example", port) == ["93.184.215.14"]
    assert upstream.lookups["news.example"] == 1
    for _ in range(2):  # a refused answer is not cached: asked again, refused again
        assert lookup(resolver, "bad.example") == []
    assert upstream.lookups["bad.example"] == 2


def test_the_cache_keeps_at_most_dnscache_size_hosts() -> None:
    hosts = [f"h{n}.example" for n in range(5)]
    resolver, upstream = resolver_for({h: [["93.184.215.14"]] for h in hosts}, cache=3)
    for host in hosts + hosts:
        lookup(resolver, host)
    assert len(resolver.cache) == 3
    assert sum(upstream.lookups.values()) == 10  # LRU of 3 over a cycle of 5: all misses


def test_ipv6_answers_keep_their_port() -> None:
    resolver, _ = resolver_for(
        {"v6.example": [["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]}, cache=4
    )
    assert lookup(resolver, "v6.example", 443) == ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert lookup(resolver, "v6.example", 8080) == ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


def test_a_refused_lookup_leaves_the_middlewares_as_private_address_once() -> None:
    crawler = build_crawler()
    stats = MemoryStatsCollector(crawler)
    middleware = HostPolicyDownloaderMiddleware(HostPolicy(), stats)
    retry = RetryAfterMiddleware.from_crawler(crawler)
    request = Request("https://www.daily8.com/en/article/" + "a" * 32)
    error = CannotResolveHostError("no results for hostname lookup: www.daily8.com")
    REFUSALS.add("www.daily8.com")
    assert retry.process_exception(request, error) is None  # refused: no retry
    with pytest.raises(RefusedHost, match=r"^private_address: "):
        middleware.process_exception(request, error)
    assert stats.get_value("newsspider/refused/private_address") == 1
    # A plain DNS failure stays one: retried, and not counted as a refusal.
    assert middleware.process_exception(request, error) is None
    assert stats.get_value("newsspider/refused/private_address") == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://user@www.daily8.com/en",
        "https://user:pass@test.daily8.com/en/article/" + "b" * 32,
        "https://:@www.daily8.com/",
        "http://a%40b@127.0.0.1:8123/en",
    ],
)
def test_userinfo_urls_are_refused_on_every_host(url: str) -> None:
    crawler = build_crawler()
    stats = MemoryStatsCollector(crawler)
    middleware = HostPolicyDownloaderMiddleware(HostPolicy(["127.0.0.1:8123"]), stats)
    with pytest.raises(RefusedHost, match=r"^userinfo: "):
        middleware.process_request(Request(url))
    assert stats.get_value("newsspider/refused/userinfo") == 1


class RebindingResolver(PolicyResolver):
    """`PolicyResolver` over a scripted DNS (the ``TEST_DNS`` setting, JSON), for crawls.

    ``TEST_PUBLIC`` addresses count as public (a stand-in for the public addresses a test
    must never connect to) and every answer points at port ``TEST_PORT`` (the test server).
    """

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PolicyResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.original_resolver = ScriptedResolver(json.loads(crawler.settings["TEST_DNS"]))
        assert isinstance(resolver, RebindingResolver)
        resolver.stand_ins = set(crawler.settings.getlist("TEST_PUBLIC"))
        resolver.port = crawler.settings.getint("TEST_PORT")
        return resolver

    def public(self, address: Any) -> bool:
        return address.host in self.stand_ins or super().public(address)

    def resolveHostName(
        self, resolutionReceiver: Any, hostName: str, portNumber: int = 0, *args: Any
    ) -> Any:  # type: ignore[override]
        return super().resolveHostName(
            _ToPort(resolutionReceiver, self.port), hostName, portNumber, *args
        )


class _ToPort:
    def __init__(self, receiver: Any, port: int) -> None:
        self.receiver = receiver
        self.port = port

    def resolutionBegan(self, resolution: Any) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:
        self.receiver.addressResolved(IPv4Address("TCP", address.host, self.port))

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


#: An English fixture article served by the test server.
ARTICLE = next(
    urlsplit(f.url).path
    for f in iter_fixtures(FIXTURES)
    if f.page_object == "ArticlePage" and f.expected_output() and "/en/" in f.url
)


def test_a_rebound_host_is_not_connected_to(tmp_path: Path, site_server: Any) -> None:
    server = site_server(faults={"*": "close"})  # a new connection (and lookup) per request
    # www.daily8.com answers the test server twice, then 127.0.0.2 (nothing listens there:
    # a connection would fail as connection_refused); test.daily8.com does not resolve.
    dns = {"www.daily8.com": [["127.0.0.1"], ["127.0.0.1"], ["127.0.0.2"]]}
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls=http://www.daily8.com/en,http://test.daily8.com{ARTICLE}",
        "-a",
        "depth=0",
        replay=None,
        timeout=180,
        settings={
            "TWISTED_DNS_RESOLVER": "tests.test_policy.RebindingResolver",
            "TEST_DNS": json.dumps(dns),
            "TEST_PUBLIC": "127.0.0.1",
            "TEST_PORT": server.port,
            "DNSCACHE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            "RETRY_TIMES": 1,
            "RETRY_BACKOFF_BASE": 0,
            "AUTOTHROTTLE_ENABLED": False,
        },
    )
    stats = result.stats
    assert stats.get("log_count/ERROR", 0) == 0, result.log
    assert stats["newsspider/listings/parsed"] >= 1  # the first answers were connected to
    refused = stats.get("newsspider/refused/private_address", 0)
    assert refused >= 3, result.log
    assert stats["newsspider/pages/failed/private_address"] == refused
    assert "newsspider/pages/failed/connection_refused" not in stats  # 127.0.0.2 never tried
    assert stats["newsspider/pages/failed/dns"] == 1  # test.daily8.com, after its retry
    assert stats.get("retry/count", 0) == 1  # refusals are not retried; the DNS error is


def test_with_dnscache_a_rebound_host_keeps_its_checked_address(
    tmp_path: Path, site_server: Any
) -> None:
    server = site_server(faults={"*": "close"})
    dns = {"www.daily8.com": [["127.0.0.1"], ["127.0.0.2"]]}
    result = run_crawl(
        tmp_path,
        "-a",
        "urls=http://www.daily8.com/en",
        "-a",
        "depth=0",
        replay=None,
        timeout=180,
        settings={
            "TWISTED_DNS_RESOLVER": "tests.test_policy.RebindingResolver",
            "TEST_DNS": json.dumps(dns),
            "TEST_PUBLIC": "127.0.0.1",
            "TEST_PORT": server.port,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
        },
    )
    assert result.returncode == 0, result.log
    assert "newsspider/refused/private_address" not in result.stats
    assert len(result.items) >= 5


def test_a_long_retry_after_holds_no_download_slot(tmp_path: Path, site_server: Any) -> None:
    wait = 3
    busy = [f"/en/article/{n:032x}" for n in range(1, 17)]
    server = site_server(faults={path: f"503-retry-after:{wait}" for path in busy})
    good = [f"{server.base}{ARTICLE}", f"{server.base}/en"]
    result = run_crawl(
        tmp_path,
        "-a",
        "urls=" + ",".join([server.base + p for p in busy] + good),
        "-a",
        "depth=0",
        replay=None,
        timeout=180,
        settings={
            "ALLOWED_HOSTS": server.allowed,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        },
    )
    assert result.returncode == 0, result.log
    fetched = {item["id"]: datetime.fromisoformat(item["fetched_at"]) for item in result.items}
    retried = {path[-32:] for path in busy}
    assert retried <= set(fetched)  # every delayed retry was made, and the run waited for it
    good_times = [t for i, t in fetched.items() if i not in retried]
    assert len(good_times) >= 5
    first_retry = min(fetched[i] for i in retried)
    # Every good page was in before the first retry was due: none waited for a slot.
    assert max(good_times) < first_retry
    assert (first_retry - min(good_times)).total_seconds() >= wait - 1
    assert result.stats["newsspider/retry/delayed"] == len(busy)
    assert "newsspider/pages/failed" not in result.stats


def test_a_retry_after_beyond_the_cap_gives_the_page_up(tmp_path: Path, site_server: Any) -> None:
    busy = "/en/article/" + "e" * 32
    server = site_server(faults={busy: "429-retry-after:30"})
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={server.base}{busy},{server.base}{ARTICLE}",
        "-a",
        "depth=0",
        replay=None,
        settings={"ALLOWED_HOSTS": server.allowed, "RETRY_AFTER_MAX": 10, "FAILURE_THRESHOLD": 1},
    )
    assert result.stats["newsspider/pages/failed/http_429"] == 1
    assert "newsspider/retry/delayed" not in result.stats
    assert [item["id"] for item in result.items] == [ARTICLE[-32:]]


def test_outcomes_are_labelled_as_they_are(tmp_path: Path, site_server: Any) -> None:
    bomb = "/en/article/" + "b" * 32
    server = site_server(faults={bomb: "gzip-bomb"})
    userinfo = server.base.replace("http://", "http://reader:pw-7f3a9c@")
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={server.base}{bomb},{userinfo}/en/article/{'c' * 32},{server.base}/en",
        "-a",
        "depth=0",
        replay=None,
        settings={"ALLOWED_HOSTS": server.allowed, "AUTOTHROTTLE_ENABLED": False},
    )
    assert result.returncode == 0, result.log  # robots.txt obeyed (the default): no ERROR
    assert result.stats.get("log_count/ERROR", 0) == 0, result.log
    assert result.stats["newsspider/pages/failed/too_large"] == 1
    assert "newsspider/pages/failed/ignored" not in result.stats
    assert result.stats["newsspider/refused/userinfo"] == 1
    assert "pw-7f3a9c" not in json.dumps(result.items)


def test_private_networks_are_not_public() -> None:
    from newsspider.crawl.middlewares import public_address

    for network in FORBIDDEN_NETWORKS:
        net = ipaddress.ip_network(network)
        assert not public_address(str(net[0])) and not public_address(str(net[-1])), network
    assert public_address("93.184.215.14") and not public_address("not-an-address")


def test_retries_still_waiting_do_not_keep_a_closing_run_open(
    tmp_path: Path, site_server: Any
) -> None:
    busy = "/en/article/" + "d" * 32
    server = site_server(faults={busy: "503-retry-after:60"})
    started = datetime.now()
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={server.base}{busy},{server.base}/en",
        "-a",
        "depth=0",
        replay=None,
        settings={
            "ALLOWED_HOSTS": server.allowed,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "CLOSESPIDER_PAGECOUNT": 4,
        },
    )
    assert (datetime.now() - started).total_seconds() < 45, result.log
    assert result.stats["finish_reason"] == "closespider_pagecount"
    assert result.stats["newsspider/retry/delayed"] == 1
    assert f"Retry of {server.base}{busy} not made" in result.log
    assert busy[-32:] not in {item["id"] for item in result.items}


@settings(max_examples=25, deadline=None)
@given(
    tags=st.lists(st.sampled_from(["div", "span", "b", "section", "p", "li", "td"]), min_size=1),
    depth=st.integers(2100, 12_000),
    closed=st.booleans(),
    extra=st.sampled_from(["", "<br><img src=x>", "<!-- <div> -->", "<script>a<b</script>"]),
)
def test_markup_nested_past_libxml2s_limit_keeps_what_follows(
    tags: list[str], depth: int, closed: bool, extra: str
) -> None:
    from newsspider.site.html import _html_parser, parse_html
    from newsspider.site.nesting import too_deep

    names = [tags[n % len(tags)] for n in range(depth)]
    opening = "".join(f"<{name}>{extra}" for name in names)
    closing = "".join(f"</{name}>" for name in reversed(names)) if closed else ""
    text = (
        f"<html><head><title>t</title></head><body><div id=before>x</div>{opening}{closing}"
        "<main><article><h1 id=title>The title</h1><p>One.</p><p>Two.</p></article></main>"
        "</body></html>"
    )
    root = parse_html(text, "https://www.daily8.com/en")
    assert root is not None
    assert root.xpath("//article/h1[@id='title']/text()") == ["The title"]
    assert root.xpath("//main/article/p/text()") == ["One.", "Two."]
    assert not too_deep(_html_parser())  # the second parse read the whole page
    if closed:  # balanced junk: what follows it is back at the top of the body
        assert [e.tag for e in root.xpath("//main")[0].iterancestors()] == ["body", "html"]
