"""A hostile web: faults on a local server, strict hosts, fuzzed markup, clean text."""

from __future__ import annotations

import asyncio
import copy
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from lxml import etree, html
from web_poet import HttpResponse

from newsspider.crawl.fixtures import Fixture, iter_fixtures
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.site.schema import check_article
from newsspider.site.urls import HostPolicy
from tests.conftest import FIXTURES, run_crawl

ARTICLES = [
    f for f in iter_fixtures(FIXTURES) if f.page_object == "ArticlePage" and f.expected_output()
]
#: fault -> (kept in the feed?, stats key that counts it (the page, or a part dropped))
FAULTS: dict[str, tuple[bool, str | None]] = {
    "500-then-200": (True, None),
    "429-then-200": (True, None),
    "500": (False, "newsspider/pages/failed/http_500"),
    "stall": (False, "newsspider/pages/failed/timeout"),
    "reset": (False, "newsspider/pages/failed/connection_lost"),
    "truncate": (False, "newsspider/pages/failed/truncated"),
    "huge": (False, "newsspider/pages/failed/too_large"),
    "redirect-loop": (False, "newsspider/pages/failed/redirect_loop"),
    "redirect-offsite": (False, "newsspider/pages/failed/redirect_offsite"),
    "text-plain": (True, None),
    "binary-as-html": (False, "newsspider/dropped/no_title"),
    "bad-utf8": (True, None),
    "mixed-encoding": (True, None),
    "empty": (False, "newsspider/dropped/no_title"),
    "no-article": (False, "newsspider/dropped/no_title"),
    "nested": (True, None),
    "deep-nesting": (True, None),
    "gzip-bomb": (False, "newsspider/pages/failed/too_large"),
    "offsite-related": (True, "newsspider/related/dropped/offsite"),
    "userinfo-links": (True, "newsspider/related/dropped/invalid_url"),
    "503-retry-after:1": (True, None),
}


def fault_path(number: int) -> str:
    return f"/en/article/{number:032x}"


def test_every_fault_is_survived_and_counted(tmp_path: Path, site_server: Any) -> None:
    faults = {fault_path(n): fault for n, fault in enumerate(FAULTS, start=1)}
    server = site_server(faults=faults)
    urls = ",".join([f"{server.base}/en", f"{server.base}/", *(server.base + p for p in faults)])
    result = run_crawl(
        tmp_path,
        "-a",
        "locale=all",
        "-a",
        f"urls={urls}",
        replay=None,
        timeout=180,
        own_memory=True,
        settings={
            "ALLOWED_HOSTS": server.allowed,
            "DOWNLOAD_TIMEOUT": 2,
            "RETRY_TIMES": 1,
            "RETRY_BACKOFF_BASE": 0.1,
            "AUTOTHROTTLE_ENABLED": False,
            "FAILURE_THRESHOLD": 1.0,  # a failed run (exit 5) would publish no feed
        },
    )
    good = {f.expected_output()["id"] for f in ARTICLES}
    kept = {fault_path(n)[-32:] for n, f in enumerate(FAULTS, start=1) if FAULTS[f][0]}
    assert result.stats["finish_reason"] == "finished"
    assert result.stats.get("log_count/ERROR", 0) == 0, result.log
    assert sorted(result.ids) == sorted(good | kept)
    for path, fault in faults.items():
        key = FAULTS[fault][1]
        if key:
            assert result.stats.get(key, 0) >= 1, fault
            assert server.base + path in result.log, f"no log line names {fault}'s URL"
    assert "newsspider/pages/failed/ignored" not in result.stats
    assert result.stats["newsspider/related/dropped/offsite"] == 2  # example.org, port 8443
    assert result.stats["newsspider/retry/delayed"] >= 1
    assert result.stats["newsspider/refused/redirect_offsite"] == 1
    assert result.stats["newsspider/pages/content_type_mismatch"] == 1
    assert result.stats["memusage/max"] < 400 * 1024 * 1024
    by_id = {item["id"]: item for item in result.items}
    assert "\ufffd" in " ".join(by_id[fault_path(12)[-32:]]["body"])  # bad-utf8: replaced


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.daily8.com/en/article/" + "a" * 32, True),
        ("http://127.0.0.1:8123/en", True),
        ("http://127.0.0.1:8124/en", False),
        ("http://10.0.0.1/en", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("file:///etc/passwd", False),
        ("data:text/html,<h1>x</h1>", False),
        ("javascript:alert(1)", False),
        ("https://www.daily8.com.evil.example/en", False),
    ],
)
def test_host_policy(url: str, allowed: bool) -> None:
    assert HostPolicy(["127.0.0.1:8123"]).allows(url) is allowed


def test_host_policy_remembers_answers_per_scheme_and_host() -> None:
    urls = {
        "https://www.daily8.com/en": True,
        "HTTPS://www.daily8.com/x?y#z": True,
        "https://www.daily8.com:443/en": True,
        "https://www.daily8.com:8443/en": False,
        "https://evil.example@www.daily8.com/en": True,
        "https://www.daily8.com@evil.example/en": False,
        "https://www.daily8.com?@evil.example/": True,
        "https://www.daily8.com:99999/en": False,
        "https://[::1/en": False,
        " https://www.daily8.com/en": True,
        "https://www.daily8.com\t.evil.example/en": False,
        "ftp://www.daily8.com/en": False,
    }
    shared = HostPolicy(["listed.example", "127.0.0.1:8123"])
    for _ in range(2):
        for url, allowed in urls.items():
            assert shared.allows(url) is allowed, url
            assert HostPolicy().allows(url) is allowed, url
            assert shared.listed(url) is False, url
        assert shared.listed("http://127.0.0.1:8123/en") and shared.allows("http://127.0.0.1:8123/")
        assert not shared.listed("http://127.0.0.1:8124/en")
        assert shared.listed("https://listed.example/a") and shared.allows(
            "https://listed.example/"
        )


def refusal(url: str, policy: HostPolicy) -> str | None:
    """Run the host middleware on `url`; the refusal reason, or None when it may go."""
    from scrapy import Request
    from scrapy.statscollectors import MemoryStatsCollector

    from newsspider.crawl.middlewares import HostPolicyDownloaderMiddleware, RefusedHost

    crawler = build_crawler()
    middleware = HostPolicyDownloaderMiddleware(policy, MemoryStatsCollector(crawler))
    try:
        middleware.process_request(Request(url))
    except RefusedHost as refused:
        return str(refused).split(":", 1)[0]
    return None


def test_ip_literals_and_userinfo_are_refused_before_any_connection() -> None:
    literal = HostPolicy()
    literal.hosts.add("10.0.0.1")  # as if an IP literal were one of Daily8's hosts
    assert refusal("http://10.0.0.1/en", literal) == "private_address"
    assert refusal("http://127.0.0.1:8123/en", HostPolicy(["127.0.0.1:8123"])) is None  # listed
    assert refusal("http://127.0.0.1:9/en", HostPolicy()) == "offsite"
    assert refusal("http://[::1]/en", HostPolicy()) == "offsite"
    assert refusal("https://user@www.daily8.com/en", HostPolicy()) == "userinfo"
    assert refusal("https://www.daily8.com/en", HostPolicy()) is None  # addresses: resolver


def test_hosts_resolving_to_private_addresses_are_refused() -> None:
    """The resolver Scrapy installs (TWISTED_DNS_RESOLVER) checks the system's real answer."""
    import socket
    from types import SimpleNamespace

    from twisted.internet.address import IPv4Address, IPv6Address

    from newsspider.crawl.middlewares import REFUSALS, PolicyResolver

    class SystemResolver:
        """getaddrinfo, answered at once (the reactor's resolver needs a running reactor)."""

        def resolveHostName(self, receiver: Any, host: str, port: int, *args: Any) -> Any:
            receiver.resolutionBegan(None)
            for family, _, _, _, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
                kind = IPv6Address if family == socket.AF_INET6 else IPv4Address
                receiver.addressResolved(kind("TCP", sockaddr[0], port))
            receiver.resolutionComplete()
            return receiver

    class Receiver:
        def __init__(self) -> None:
            self.addresses: list[str] = []
            self.done = False

        def resolutionBegan(self, resolution: Any) -> None:
            pass

        def addressResolved(self, address: Any) -> None:
            self.addresses.append(address.host)

        def resolutionComplete(self) -> None:
            self.done = True

    assert build_crawler().settings["TWISTED_DNS_RESOLVER"].endswith(".PolicyResolver")
    reactor = SimpleNamespace(nameResolver=SystemResolver())
    for policy, kept in ((HostPolicy(), False), (HostPolicy(["localhost:80"]), True)):
        receiver = Receiver()
        PolicyResolver(reactor, policy, cache_size=0).resolveHostName(receiver, "localhost", 80)
        assert receiver.done and bool(receiver.addresses) is kept
    assert REFUSALS.take("localhost") and not REFUSALS.take("localhost")


def test_remote_control_and_telnet_are_off() -> None:
    crawler = build_crawler()
    assert crawler.settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert crawler.settings.getbool("TELNETCONSOLE_ENABLED") is False


def test_user_agent_names_newsspider_and_the_contact_url() -> None:
    from newsspider.crawl.middlewares import ContactUserAgentMiddleware

    crawler = build_crawler({"CONTACT_URL": "https://example.org/contact"})
    middleware = ContactUserAgentMiddleware.from_crawler(crawler)
    assert middleware.user_agent.startswith("newsspider/")
    assert "https://example.org/contact" in middleware.user_agent


def test_text_fields_carry_no_markup() -> None:
    seed = ARTICLES[0]
    body = bytes(seed.response().body).replace(
        b"<p>", b"<p><script>steal()</script><!-- note -->&lt;img src=x onerror=alert(1)&gt;\x07", 1
    )
    page = Fixture(seed.path)
    response = HttpResponse(page.url, body, status=200, headers=page.info["headers"])
    fake = _FakeFixture(response, seed)
    item = FixtureParser(build_crawler()).output(fake)  # type: ignore[arg-type]
    text = " ".join(item["body"])
    assert "steal" not in text and "note" not in text and "<" not in text and "\x07" not in text


class _FakeFixture:
    """A fixture whose response was changed in memory."""

    def __init__(self, response: HttpResponse, original: Fixture) -> None:
        self._response = response
        self.page_object = original.page_object
        self.captured_at = original.captured_at

    def response(self) -> HttpResponse:
        return self._response


def mutate(document: bytes, seed: int, operations: int) -> bytes:
    """Delete, duplicate, shuffle and re-attribute elements; maybe truncate."""
    rng = random.Random(seed)
    root = html.fromstring(document)
    for _ in range(operations):
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e.getparent() is not None]
        if not elements:
            break
        element = rng.choice(elements)
        parent = element.getparent()
        assert parent is not None
        action = rng.choice(("delete", "duplicate", "shuffle", "attribute", "text"))
        if action == "delete":
            parent.remove(element)
        elif action == "duplicate":
            parent.insert(parent.index(element), copy.deepcopy(element))
        elif action == "shuffle":
            children = list(parent)
            rng.shuffle(children)
            for child in children:
                parent.append(child)
        elif action == "attribute":
            element.set(
                rng.choice(("class", "href", "data-x", "style")),
                rng.choice(("", "/en/article/" + "f" * 32, "javascript:x", "\u202e", "<b>")),
            )
        else:
            element.text = rng.choice(("", "\u200b\u202e", "٣ ساعات", "an hour ago", "By REUTERS"))
    output = etree.tostring(root, encoding="utf-8").replace(b"<p>", b"<p>\x00\x1b\x07", 1)
    if rng.random() < 0.3:
        output = output[: rng.randrange(len(output) + 1)]
    return output


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fixture=st.sampled_from(ARTICLES),
    seed=st.integers(0, 2**32),
    operations=st.integers(1, 25),
)
def test_fuzzed_pages_never_raise_and_emit_only_valid_items(
    fixture: Fixture, seed: int, operations: int
) -> None:
    original = fixture.response()
    body = mutate(bytes(original.body), seed, operations)
    response = HttpResponse(fixture.url, body, status=200, headers=fixture.info["headers"])
    item = PARSER.output(_FakeFixture(response, fixture))  # type: ignore[arg-type]
    if item is not None:
        assert check_article(item, HostPolicy()) is None


PARSER = FixtureParser(build_crawler())


def test_listing_parser_survives_fuzzing() -> None:
    from newsspider.site.pages import ListingPage

    listing = next(f for f in iter_fixtures(FIXTURES) if f.page_object == "ListingPage")
    for seed in range(40):
        body = mutate(bytes(listing.response().body), seed, 20)
        response = HttpResponse(listing.url, body, status=200, headers=listing.info["headers"])
        links = ItemAdapter(asyncio.run(ListingPage(response).to_item())).asdict()
        assert all(HostPolicy().allows(url) for url in links["article_urls"])


def test_the_recorder_writes_only_inside_the_fixture_folder(tmp_path: Path) -> None:
    from scrapy.http import HtmlResponse

    from newsspider.commands.record import RecorderSpider

    base = tmp_path / "fixtures"
    recorder = RecorderSpider(urls=[], base=base)
    for url in (
        "https://www.daily8.com/en/article/../../../../../tmp/escape",
        "https://www.daily8.com/%2e%2e/%2e%2e/etc/passwd",
        "https://www.daily8.com/en/hashtag/..%2f..%2fx",
    ):
        recorder.save(HtmlResponse(url, body=b"<html></html>", headers={"Date": "x"}))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(base.resolve() in p.resolve().parents for p in written)
