"""The Redis keys of a shared crawl, and the Lua scripts that move work between them.

Every step that moves work between keys is one script, run atomically by Redis;
`newsspider.scaleout.leases.Worker` registers and calls them. The comment above each script
names its KEYS and ARGV.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from scrapy.settings import BaseSettings
from scrapy_redis import defaults as redis_defaults
from scrapy_redis.connection import get_redis

from newsspider.crawl.config import redis_url


@dataclass(frozen=True, slots=True)
class Keys:
    """The Redis keys of one crawl (spider and namespace)."""

    prefix: str

    @classmethod
    def for_spider(cls, spider: str, namespace: str = "") -> Keys:
        return cls(f"{spider}:{namespace}:" if namespace else f"{spider}:")

    @property
    def requests(self) -> str:
        return self.prefix + "requests"

    @property
    def dupefilter(self) -> str:
        return self.prefix + "dupefilter"

    @property
    def start_urls(self) -> str:
        return self.prefix + "start_urls"

    @property
    def seen(self) -> str:
        return self.prefix + "seen"

    @property
    def workers(self) -> str:
        return self.prefix + "workers"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}alive:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}inflight:{worker}"

    @property
    def staged_runs(self) -> str:
        """Hash: run id -> JSON ``{worker, host, token, state, created}`` (state staged/doubt)."""
        return self.prefix + "staged"

    def staged(self, run: str) -> str:
        """One run's staged marks: ``expected``, ``f:<path>`` -> [size, sha256], ``m:<id>``."""
        return f"{self.prefix}staged:{run}"

    def doubt(self, run: str) -> str:
        """The in-flight requests of a run that died with marks staged, until it is settled."""
        return f"{self.prefix}doubt:{run}"


def connect(settings: BaseSettings) -> redis.Redis:
    """A client for ``REDIS_URL`` (setting or environment) with scrapy-redis's defaults."""
    params = dict(redis_defaults.REDIS_PARAMS)
    params.update(settings.getdict("REDIS_PARAMS"))
    client: redis.Redis = get_redis(url=redis_url(settings), **params)
    return client


def keys_for(settings: BaseSettings, spider: str) -> Keys:
    return Keys.for_spider(spider, str(settings.get("REDIS_NAMESPACE") or ""))


REQUEUE = """
local function requeue(inflight, queue, starts)
  local entries = redis.call('HGETALL', inflight)
  for i = 1, #entries, 2 do
    local field, value = entries[i], entries[i + 1]
    if string.sub(field, 1, 2) == 's:' then
      redis.call('LPUSH', starts, value)
    else
      redis.call('ZADD', queue, tonumber(string.match(field, '^r:([^:]*):')) or 0, value)
    end
  end
  redis.call('DEL', inflight)
  return #entries / 2
end
-- A dead process's staged runs (ARGV from `first`) are in doubt; its in-flight requests wait
-- in the first one's doubt hash instead of going back. Returns how many were set aside.
local function set_aside(inflight, index, doubt, first)
  local staged = false
  for i = first, #ARGV do
    local entry = redis.call('HGET', index, ARGV[i])
    if entry then
      local record = cjson.decode(entry)
      record['state'] = 'doubt'
      redis.call('HSET', index, ARGV[i], cjson.encode(record))
      staged = true
    end
  end
  if not staged then return -1 end
  local entries = redis.call('HGETALL', inflight)
  for i = 1, #entries, 2 do redis.call('HSET', doubt, entries[i], entries[i + 1]) end
  redis.call('DEL', inflight)
  return #entries / 2
end
local function requeue_or_set_aside(inflight, queue, starts, index, doubt, first)
  local aside = set_aside(inflight, index, doubt, first)
  if aside >= 0 then return {0, aside} end
  return {requeue(inflight, queue, starts), -1}
end
"""
# KEYS alive, workers, inflight, queue, starts, staged runs, doubt; ARGV token, ttl ms, worker id,
# then the runs an earlier process with this WORKER_ID staged. Takes the lease; requeues (or sets
# aside) what that process left behind: {requeued, set aside or -1}, or -1 when the id is taken.
REGISTER = (
    REQUEUE
    + """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
redis.call('HSET', KEYS[2], ARGV[3], 'busy')
return requeue_or_set_aside(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], 4)
"""
)
# KEYS alive, workers; ARGV token, ttl ms, worker id, status ('' keeps it).
HEARTBEAT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
return 1
"""
# KEYS queue, inflight, alive, workers; ARGV token, worker id. The field keeps the score.
TAKE = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return 0 end
redis.call('ZREM', KEYS[1], top[1])
local field = 'r:' .. top[2] .. ':' .. redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], field, top[1])
redis.call('HSET', KEYS[4], ARGV[2], 'busy')
return {field, top[1]}
"""
# KEYS starts, inflight, alive, workers; ARGV token, worker id.
TAKE_START = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local url = redis.call('LPOP', KEYS[1])
if not url then return 0 end
redis.call('HSET', KEYS[2], 's:' .. redis.sha1hex(url), url)
redis.call('HSET', KEYS[4], ARGV[2], 'busy')
return {url}
"""
# KEYS inflight, alive, queue, starts, workers, staged runs, doubt; ARGV worker id, then its
# staged runs. Only once the lease expired: {requeued, set aside or -1}, or -1 while it runs.
REAP = (
    REQUEUE
    + """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local moved = requeue_or_set_aside(KEYS[1], KEYS[3], KEYS[4], KEYS[6], KEYS[7], 2)
redis.call('HDEL', KEYS[5], ARGV[1])
return moved
"""
)
# KEYS seen, inflight, alive, staged runs, staged; ARGV token, ttl ms, run ('' for none), then
# article id, record pairs. Writes the marks, forgets the in-flight requests and the staging.
COMMIT = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('DEL', KEYS[2], KEYS[5])
redis.call('HDEL', KEYS[4], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
"""
# KEYS alive, staged runs, staged; ARGV token, ttl ms, run, index entry, expected feeds, feed
# field, feed record, then article id, record pairs. Only while the lease runs.
STAGE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], 'expected', ARGV[5], ARGV[6], ARGV[7])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[3], 'm:' .. ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS staged runs, staged, doubt, seen, queue, starts; ARGV run, 'confirm' or 'discard',
# 'doubt' to settle only a run in doubt. Confirm: the staged marks become marks and the
# set-aside requests are forgotten; discard: those requests go back. -1: nothing to settle.
SETTLE = (
    REQUEUE
    + """
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return -1 end
if ARGV[3] == 'doubt' and cjson.decode(entry)['state'] ~= 'doubt' then return -1 end
local n = 0
if ARGV[2] == 'confirm' then
  local fields = redis.call('HGETALL', KEYS[2])
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'm:' then
      redis.call('HSET', KEYS[4], string.sub(fields[i], 3), fields[i + 1])
      n = n + 1
    end
  end
  redis.call('DEL', KEYS[3])
else
  n = requeue(KEYS[3], KEYS[5], KEYS[6])
end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[1], ARGV[1])
return n
"""
)
# KEYS inflight, alive, queue, starts, workers, dupefilter; ARGV token, worker id, requeue.
LEAVE = (
    REQUEUE
    + """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1, 0} end
local n = 0
if ARGV[3] == '1' then n = requeue(KEYS[1], KEYS[3], KEYS[4]) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[5], ARGV[2])
if redis.call('HLEN', KEYS[5]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[6])
  return {n, 1}
end
return {n, 0}
"""
)
