"""The Lua scripts the Redis limiter runs: each decision is one atomic round trip, on Redis's
own clock (`TIME`), so hosts whose clocks differ agree on lease expiry."""

from __future__ import annotations

__all__ = ["ACQUIRE", "RELEASE", "RENEW", "SETTLE"]

# KEYS: slots queue seen cap cool spent reserved
# ARGV: lease waiter lease_ms max_cap max_queued budget estimate stale_ms ttl_ms
# Returns {1, 0} taken; {0, wait_ms} not yet; {-1, committed} budget; {-2, waiting} queue full.
ACQUIRE = """
local slots, queue, seen, cap_key, cool, spent_key, reserved =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local lease, waiter = ARGV[1], ARGV[2]
local lease_ms, max_cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local max_queued, budget, estimate = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local stale_ms, ttl_ms = tonumber(ARGV[8]), tonumber(ARGV[9])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', slots, '-inf', now)) do
  redis.call('HDEL', reserved, id)
end
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - stale_ms)) do
  redis.call('ZREM', queue, id)
end
redis.call('ZREMRANGEBYSCORE', seen, '-inf', now - stale_ms)
local cap = tonumber(redis.call('GET', cap_key) or max_cap)
local in_use = redis.call('ZCARD', slots)
if not redis.call('ZSCORE', queue, waiter) then
  local waiting = redis.call('ZCARD', queue)
  if max_queued >= 0 and waiting >= max_queued + math.max(0, cap - in_use) then
    return {-2, waiting}
  end
  redis.call('ZADD', queue, now, waiter)
end
redis.call('ZADD', seen, now, waiter)
for _, key in ipairs({queue, seen}) do redis.call('PEXPIRE', key, ttl_ms) end
local cool_ms = redis.call('PTTL', cool)
if cool_ms > 0 then return {0, cool_ms} end
if in_use + redis.call('ZRANK', queue, waiter) >= cap then return {0, 0} end
if budget >= 0 then
  local committed = tonumber(redis.call('GET', spent_key) or '0')
  for _, value in ipairs(redis.call('HVALS', reserved)) do
    committed = committed + tonumber(value)
  end
  if committed + estimate > budget then
    redis.call('ZREM', queue, waiter)
    redis.call('ZREM', seen, waiter)
    return {-1, committed}
  end
end
redis.call('ZADD', slots, now + lease_ms, lease)
if estimate > 0 then redis.call('HSET', reserved, lease, estimate) end
redis.call('ZREM', queue, waiter)
redis.call('ZREM', seen, waiter)
for _, key in ipairs({slots, reserved, cap_key, spent_key}) do
  if redis.call('EXISTS', key) == 1 then redis.call('PEXPIRE', key, ttl_ms) end
end
return {1, 0}
"""

# KEYS: slots reserved spent cap successes cool cut
# ARGV: lease cost(-1: the estimate) rate_limited(0/1) max_cap cool_ms ttl_ms cut_ms
RELEASE = """
local slots, reserved, spent_key, cap_key, ok_key, cool, cut =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local lease, cost, limited = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local max_cap, cool_ms, ttl_ms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cut_ms = tonumber(ARGV[7])
local held = redis.call('ZREM', slots, lease)
local estimate = tonumber(redis.call('HGET', reserved, lease) or '0')
redis.call('HDEL', reserved, lease)
if cost < 0 then cost = estimate end
if cost > 0 then
  redis.call('INCRBY', spent_key, cost)
  redis.call('PEXPIRE', spent_key, ttl_ms)
end
local cap = tonumber(redis.call('GET', cap_key) or max_cap)
if limited then
  if redis.call('EXISTS', cut) == 0 then
    cap = math.max(1, math.floor(cap / 2))
    redis.call('SET', cap_key, cap, 'PX', ttl_ms)
    redis.call('SET', ok_key, 0, 'PX', ttl_ms)
    redis.call('SET', cut, 1, 'PX', cut_ms)
  end
  if cool_ms > 0 then redis.call('SET', cool, 1, 'PX', cool_ms) end
elseif cap < max_cap then
  if redis.call('INCR', ok_key) >= cap then
    redis.call('SET', cap_key, cap + 1, 'PX', ttl_ms)
    redis.call('SET', ok_key, 0, 'PX', ttl_ms)
  end
end
return held
"""

# KEYS: slots; ARGV: lease_ms lease...
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
return renewed
"""

# KEYS: spent; ARGV: delta (micro-USD, may be negative) ttl_ms
SETTLE = """
local value = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
if value < 0 then redis.call('SET', KEYS[1], 0) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return value
"""
