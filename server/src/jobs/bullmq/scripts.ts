import type { Redis } from 'ioredis';

/**
 * Our Lua scripts next to BullMQ's, on BullMQ's own keys (`<prefix>:<queue>:<job id>` hashes with its fields
 * `priority`, `ats`, `finishedOn`, `deid`, `defa`…, and its `prioritized`, `delayed`, `wait`, `active`, `failed`…
 * sets). BullMQ has no operation for them: cancelling a queued job while keeping a record, retrying it with the
 * idempotency key taken again, reading a job and its state in one round trip. They follow BullMQ 6.7's layout;
 * the version is pinned, and the conformance suite runs them against it.
 *
 * Our fields on a job hash: `fidus:cancelled` (it ended, or is to end, cancelled: a `failed` job with it is
 * `cancelled`, not `dead`). BullMQ's `defa` (a deferred failure: a worker fails the job at its next start without
 * running it) makes a cancelled job that goes back to the queue (a retry, a stall) end at once.
 */

// Fairness lines (see fairness.ts): `fairjobs:<class>:<group>` sorted sets of unfinished job ids scored by when
// they took their place, the last tag per class in the hash `fair:<group>`, every line's `<class>:<group>` in
// the set `fairlines`.
const linesLua = `
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function reserveOne(prefix, group, class, id, now, ttl, cap)
  local member = class .. ':' .. group
  local line = prefix .. 'fairjobs:' .. member
  local tags = prefix .. 'fair:' .. group
  local count = redis.call('ZCARD', line)
  local tag = 0
  if count > 0 then
    tag = math.min(math.max(count, tonumber(redis.call('HGET', tags, 't' .. class) or '0')), tonumber(cap))
  end
  redis.call('ZADD', line, now, id)
  redis.call('HSET', tags, 't' .. class, tag)
  redis.call('SADD', prefix .. 'fairlines', member)
  redis.call('PEXPIRE', line, ttl)
  redis.call('PEXPIRE', tags, ttl)
  return tag
end

-- An empty line drops its last tag and its registration.
local function settle(prefix, member)
  if redis.call('EXISTS', prefix .. 'fairjobs:' .. member) == 0 then
    local class, group = string.match(member, '^(%d+):(.*)$')
    if class then redis.call('HDEL', prefix .. 'fair:' .. group, 't' .. class) end
    redis.call('SREM', prefix .. 'fairlines', member)
  end
end

local function leave(prefix, member, id)
  if redis.call('ZREM', prefix .. 'fairjobs:' .. member, id) == 1 then settle(prefix, member) end
end

-- The job is completed, failed (dead or cancelled) or does not exist.
local function finished(prefix, id)
  return redis.call('EXISTS', prefix .. id) == 0 or redis.call('ZSCORE', prefix .. 'completed', id)
    or redis.call('ZSCORE', prefix .. 'failed', id)
end
`;

const sources = {
  // ARGV: queue prefix, TTL ms, cap, then per job its group, class and id. Returns each job's tag.
  reserve: `${linesLua}
local prefix, ttl, cap = ARGV[1], ARGV[2], ARGV[3]
local now = nowMs()
local tags = {}
for i = 4, #ARGV, 3 do tags[#tags + 1] = reserveOne(prefix, ARGV[i], ARGV[i + 1], ARGV[i + 2], now, ttl, cap) end
return tags
`,

  // ARGV: queue prefix, TTL ms (unused), then per job its group, class and id. Takes out of their lines those of
  // the jobs that are finished or do not exist (idempotent; a job still unfinished keeps its place). Batched per
  // line: one ZMSCORE on each finished set for all the ids, one ZREM per line.
  release: `${linesLua}
local prefix = ARGV[1]
local ids = {}
for i = 3, #ARGV, 3 do ids[#ids + 1] = ARGV[i + 2] end
local completed = redis.call('ZMSCORE', prefix .. 'completed', unpack(ids))
local failed = redis.call('ZMSCORE', prefix .. 'failed', unpack(ids))
local byLine, lines = {}, {}
for n = 1, #ids do
  local id = ids[n]
  if completed[n] or failed[n] or redis.call('EXISTS', prefix .. id) == 0 then
    local i = 3 * n
    local member = ARGV[i + 1] .. ':' .. ARGV[i]
    local line = byLine[member]
    if not line then
      line = {}
      byLine[member] = line
      lines[#lines + 1] = member
    end
    line[#line + 1] = id
  end
end
for _, member in ipairs(lines) do
  if redis.call('ZREM', prefix .. 'fairjobs:' .. member, unpack(byLine[member])) > 0 then settle(prefix, member) end
end
return 1
`,

  // ARGV: queue prefix, then lines (`<class>:<group>`). Those that are empty drop their last tag and registration.
  settle: `${linesLua}
for i = 2, #ARGV do settle(ARGV[1], ARGV[i]) end
return 1
`,

  // ARGV: queue prefix, a line's `<class>:<group>`, start rank, count, grace ms. Looks at `count` ids of the line
  // from `start`, takes out those whose job is completed or failed, or missing for longer than the grace.
  // Returns {ids looked at, ids taken out}.
  repair: `${linesLua}
local prefix, member = ARGV[1], ARGV[2]
local start = tonumber(ARGV[3])
local line = prefix .. 'fairjobs:' .. member
local before = nowMs() - tonumber(ARGV[5])
local entries = redis.call('ZRANGE', line, start, start + tonumber(ARGV[4]) - 1, 'WITHSCORES')
local removed = 0
for i = 1, #entries, 2 do
  local id = entries[i]
  local stale
  if redis.call('EXISTS', prefix .. id) == 0 then stale = tonumber(entries[i + 1]) < before
  else stale = redis.call('ZSCORE', prefix .. 'completed', id) or redis.call('ZSCORE', prefix .. 'failed', id) end
  if stale then
    redis.call('ZREM', line, id)
    removed = removed + 1
  end
end
settle(prefix, member)
return {#entries / 2, removed}
`,

  // KEYS: completed, failed, delayed, prioritized, active, wait, paused. ARGV: queue prefix, job id.
  // Returns nil, or {BullMQ state, delayed score or '', the job hash as a flat list}.
  get: `
local id = ARGV[2]
local fields = redis.call('HGETALL', ARGV[1] .. id)
if #fields == 0 then return nil end
local state = 'unknown'
local delayedScore = ''
if redis.call('ZSCORE', KEYS[1], id) then state = 'completed'
elseif redis.call('ZSCORE', KEYS[2], id) then state = 'failed'
else
  local score = redis.call('ZSCORE', KEYS[3], id)
  if score then state = 'delayed'; delayedScore = score
  elseif redis.call('ZSCORE', KEYS[4], id) then state = 'prioritized'
  elseif redis.call('LPOS', KEYS[5], id) then state = 'active'
  elseif redis.call('LPOS', KEYS[6], id) or redis.call('LPOS', KEYS[7], id) then state = 'waiting'
  end
end
return {state, delayedScore, fields}
`,

  // KEYS: prioritized, delayed, wait, paused, active, failed. ARGV: queue prefix, job id, now, cancel channel,
  // counts TTL. A queued job goes to \`failed\` marked cancelled, its idempotency key and place in line released;
  // an active one is marked and its worker told. 1 if either, 0 if the job is finished or unknown.
  cancel: `${linesLua}
local prefix, id = ARGV[1], ARGV[2]
local jobKey = prefix .. id
if redis.call('EXISTS', jobKey) == 0 then return 0 end
local removed = redis.call('ZREM', KEYS[1], id) + redis.call('ZREM', KEYS[2], id)
  + redis.call('LREM', KEYS[3], 0, id) + redis.call('LREM', KEYS[4], 0, id)
if removed > 0 then
  redis.call('HSET', jobKey, 'finishedOn', ARGV[3], 'failedReason', 'cancelled', 'fidus:cancelled', '1')
  redis.call('ZADD', KEYS[6], ARGV[3], id)
  local deid = redis.call('HGET', jobKey, 'deid')
  if deid and redis.call('GET', prefix .. 'de:' .. deid) == id then redis.call('DEL', prefix .. 'de:' .. deid) end
  local data = cjson.decode(redis.call('HGET', jobKey, 'data'))
  leave(prefix, data['priority'] .. ':' .. data['groupKey'], id)
  return 1
end
if redis.call('LPOS', KEYS[5], id) then
  redis.call('HSET', jobKey, 'fidus:cancelled', '1', 'defa', 'cancelled')
  redis.call('PUBLISH', ARGV[4], id)
  return 1
end
return 0
`,

  // KEYS: failed, prioritized, pc, marker. ARGV: queue prefix, job id, counts TTL, cap, tags per class.
  // A dead or cancelled job queued again with fresh attempts and a new place in line. 1 if done, 0 if the job is
  // not dead or cancelled, -1 if another unfinished job holds its idempotency key.
  retry: `${linesLua}
local prefix, id = ARGV[1], ARGV[2]
local jobKey = prefix .. id
if not redis.call('ZSCORE', KEYS[1], id) then return 0 end
local deid = redis.call('HGET', jobKey, 'deid')
if deid then
  local deKey = prefix .. 'de:' .. deid
  local holder = redis.call('GET', deKey)
  if holder and holder ~= id and redis.call('EXISTS', prefix .. holder) == 1
    and redis.call('HEXISTS', prefix .. holder, 'finishedOn') == 0 then
    return -1
  end
  redis.call('SET', deKey, id)
end
redis.call('ZREM', KEYS[1], id)
local data = cjson.decode(redis.call('HGET', jobKey, 'data'))
-- A release lost earlier would leave it in line: it takes a new place.
leave(prefix, data['priority'] .. ':' .. data['groupKey'], id)
local tag = reserveOne(prefix, data['groupKey'], data['priority'], id, nowMs(), ARGV[3], ARGV[4])
local priority = 1 + data['priority'] * tonumber(ARGV[5]) + tag
redis.call('HDEL', jobKey, 'finishedOn', 'processedOn', 'failedReason', 'returnvalue', 'stacktrace', 'atm', 'ats',
  'stc', 'defa', 'fidus:cancelled')
redis.call('HSET', jobKey, 'priority', priority, 'delay', 0)
local counter = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], priority * 0x100000000 + counter % 0x100000000, id)
redis.call('ZADD', KEYS[4], 0, '0')
return 1
`,

  // KEYS: completed, failed. ARGV: queue prefix, job id. Deletes a finished job; 1 if it was one.
  remove: `
local id = ARGV[2]
if redis.call('ZREM', KEYS[1], id) + redis.call('ZREM', KEYS[2], id) == 0 then return 0 end
local jobKey = ARGV[1] .. id
redis.call('DEL', jobKey, jobKey .. ':logs', jobKey .. ':dependencies', jobKey .. ':processed',
  jobKey .. ':failed', jobKey .. ':unsuccessful')
return 1
`,

  // KEYS: job hash, its lock. ARGV: the worker's token. An interrupted attempt is not counted: 1 if undone.
  unstart: `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'ats', -1)
return 1
`,
} as const;

export type ScriptName = keyof typeof sources;

const defined = new WeakSet<Redis>();

/** Runs one of our scripts (EVALSHA, loading it on a miss: ioredis' defineCommand). */
export function runScript(
  redis: Redis,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  if (!defined.has(redis)) {
    for (const [scriptName, lua] of Object.entries(sources))
      redis.defineCommand(`fidus_${scriptName}`, { lua });
    defined.add(redis);
  }
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
    `fidus_${name}`
  ]!;
  return command.call(redis, keys.length, ...keys, ...args);
}
