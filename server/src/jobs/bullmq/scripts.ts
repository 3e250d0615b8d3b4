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

const reserveOneLua = `
local function reserveOne(key, class, ttl, cap)
  local count = tonumber(redis.call('HGET', key, 'n' .. class) or '0')
  if count < 0 then count = 0 end
  local tag = 0
  if count > 0 then
    tag = math.min(math.max(count, tonumber(redis.call('HGET', key, 't' .. class) or '0')), tonumber(cap))
  end
  redis.call('HSET', key, 'n' .. class, count + 1, 't' .. class, tag)
  redis.call('PEXPIRE', key, ttl)
  return tag
end
`;

const releaseOneLua = `
local function releaseOne(key, class, delta, ttl)
  if redis.call('EXISTS', key) == 1 then
    local left = redis.call('HINCRBY', key, 'n' .. class, delta)
    if left <= 0 then redis.call('HDEL', key, 'n' .. class, 't' .. class) end
    redis.call('PEXPIRE', key, ttl)
  end
end
`;

const sources = {
  // KEYS: per job its group's counts hash. ARGV: TTL ms, cap, then per job its class. Returns each job's tag.
  reserve: `${reserveOneLua}
local tags = {}
for i = 1, #KEYS do tags[i] = reserveOne(KEYS[i], ARGV[i + 2], ARGV[1], ARGV[2]) end
return tags
`,

  // KEYS: counts hashes. ARGV: TTL ms, then per key its class and delta.
  release: `${releaseOneLua}
for i = 1, #KEYS do releaseOne(KEYS[i], ARGV[i * 2], ARGV[i * 2 + 1], ARGV[1]) end
return 1
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
  cancel: `${releaseOneLua}
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
  releaseOne(prefix .. 'fair:' .. data['groupKey'], data['priority'], -1, ARGV[5])
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
  retry: `${reserveOneLua}
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
local tag = reserveOne(prefix .. 'fair:' .. data['groupKey'], data['priority'], ARGV[3], ARGV[4])
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
