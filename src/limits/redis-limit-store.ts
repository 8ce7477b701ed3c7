import { Redis } from 'ioredis';
import type { Charge } from './charge.js';
import { limitRefusal, type LimitRefusal } from './limit-refusal.js';
import { NOTHING_RESERVED, type LimitStore, type Reservation, type ReservedCharge, type Taken } from './limit-store.js';
import type { LimitStoreLogger } from './sqlite-limit-store.js';

export interface RedisLimitStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** Before every key this store writes, so that several gateways or tests can share a server. Default `toolgate:`. */
  readonly keyPrefix?: string;
  /**
   * Whose clock the store counts with. Default `server`.
   *
   * - `server` (the default, and what replicas need): every script reads Redis's own clock (`TIME`) and the `now`
   *   arguments are ignored. Replicas' clocks drift apart; if each stamped events with its own time, an event from
   *   a replica running two seconds ahead would count two seconds too long on every other replica, and, since a
   *   counter never counts back in time, would push every later event of that counter forward too. One clock, the
   *   server's, makes every replica agree on every window.
   * - `caller`: the `now` arguments are used, as every LimitStore's interface allows; for tests, which pass
   *   explicit times, and for a single gateway that wants its own clock.
   */
  readonly clock?: 'caller' | 'server';
  /** How long the first connection, and each reconnection, may take. Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long a command may wait for its answer before it fails. Default 2,000 ms. */
  readonly commandTimeoutMs?: number;
  /** Told when the connection is lost and when it is back. Default: the console. */
  readonly logger?: LimitStoreLogger;
}

const DEFAULT_REDIS_KEY_PREFIX = 'toolgate:';

/**
 * Keys live this much longer than the longest window of the charges that last touched them: events stamped by a
 * caller's clock a little ahead of the server's still count their whole window.
 */
const TTL_MARGIN_MS = 60_000;

/** Shared by the scripts: the time to count at, amounts from members, sums and waits over a window. */
const LUA_COMMON = `
local function fmt(x) return string.format('%.17g', x) end
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function amountOf(member) return tonumber(string.match(member, '^[^:]*:([^:]*):')) end
-- Members of the events that count in (at - windowMs, +inf), oldest first, with their scores.
local function window(key, at, windowMs)
  return redis.call('ZRANGEBYSCORE', key, '(' .. fmt(at - windowMs), '+inf', 'WITHSCORES')
end
local function usedIn(events)
  local used = 0
  for j = #events - 1, 1, -2 do used = used + amountOf(events[j]) end
  return used
end
`;

/**
 * Checks, and when `ARGV[2]` is '1' reserves, every charge: take and peek. KEYS: per charge, its events (a sorted
 * set, score = time, member = `<id>:<amount>:r` while reserved, `…:c` once committed) and its id sequence.
 * ARGV: now ('' for the server's clock), reserve, the number of charges, then per charge: amount, TTL in ms, the
 * number of limits, and per limit: windowMs, max, rank.
 * Returns {1, id, at, id, at, …} when taken (or fits), {0, charge index, limit index, wait ('' for never)}.
 */
const TAKE_LUA = `${LUA_COMMON}
local now = clock(ARGV[1])
local reserve = ARGV[2] == '1'
local charges = {}
local i = 4
for c = 1, tonumber(ARGV[3]) do
  local charge = { events = KEYS[2 * c - 1], seq = KEYS[2 * c], amountText = ARGV[i], amount = tonumber(ARGV[i]),
    ttl = tonumber(ARGV[i + 1]), limits = {} }
  local count = tonumber(ARGV[i + 2])
  i = i + 3
  for l = 1, count do
    charge.limits[l] = { windowMs = tonumber(ARGV[i]), max = tonumber(ARGV[i + 1]), rank = tonumber(ARGV[i + 2]) }
    i = i + 3
  end
  -- A now earlier than the counter's newest event counts at that event's time.
  local newest = redis.call('ZRANGE', charge.events, -1, -1, 'WITHSCORES')[2]
  charge.at = now
  if newest ~= nil and tonumber(newest) > now then charge.at = tonumber(newest) end
  charges[c] = charge
end
local brokenCharge, brokenLimit, brokenRank
for c, charge in ipairs(charges) do
  for l, limit in ipairs(charge.limits) do
    if usedIn(window(charge.events, charge.at, limit.windowMs)) + charge.amount > limit.max
      and (brokenRank == nil or limit.rank < brokenRank) then
      brokenCharge, brokenLimit, brokenRank = c, l, limit.rank
    end
  end
end
if brokenCharge ~= nil then
  -- Each limit, once it allows the call, keeps allowing it: the latest of their waits is when all do.
  local wait = 0
  for _, charge in ipairs(charges) do
    for _, limit in ipairs(charge.limits) do
      local each
      if charge.amount <= limit.max then
        local events = window(charge.events, charge.at, limit.windowMs)
        local excess = usedIn(events) + charge.amount - limit.max
        if excess <= 0 then each = 0 end
        local j = 1
        while each == nil and j < #events do
          excess = excess - amountOf(events[j])
          if excess <= 0 then each = math.max(0, tonumber(events[j + 1]) + limit.windowMs - charge.at) end
          j = j + 2
        end
      end
      if each == nil or wait == nil then wait = nil else wait = math.max(wait, each + (charge.at - now)) end
    end
  end
  local waitText = ''
  if wait ~= nil then waitText = fmt(wait) end
  return {0, brokenCharge - 1, brokenLimit - 1, waitText}
end
local taken = {1}
for _, charge in ipairs(charges) do
  local id = 0
  if reserve then
    id = redis.call('INCR', charge.seq)
    redis.call('ZADD', charge.events, fmt(charge.at), id .. ':' .. charge.amountText .. ':r')
    -- Never shorten a key's life; the sequence outlives its events, so an id is never reused.
    for _, key in ipairs({charge.events, charge.seq}) do
      if redis.call('PTTL', key) < charge.ttl then redis.call('PEXPIRE', key, charge.ttl) end
    end
  end
  taken[#taken + 1] = id
  taken[#taken + 1] = fmt(charge.at)
end
return taken
`;

/**
 * Keeps reservations. KEYS: the events of each charge; ARGV: `<id>:<amount>` of each. A reservation released or
 * committed before is left as it is. The committed member is added before the reserved one goes, so that the key
 * never empties (which would drop its TTL).
 */
const COMMIT_LUA = `
for k = 1, #KEYS do
  local reserved = ARGV[k] .. ':r'
  local at = redis.call('ZSCORE', KEYS[k], reserved)
  if at then
    redis.call('ZADD', KEYS[k], at, ARGV[k] .. ':c')
    redis.call('ZREM', KEYS[k], reserved)
  end
end
return 0
`;

/** Gives reservations back: KEYS and ARGV as commit's. A committed event stays. */
const RELEASE_LUA = `
for k = 1, #KEYS do redis.call('ZREM', KEYS[k], ARGV[k] .. ':r') end
return 0
`;

/** KEYS[1]: a counter's events; ARGV: now ('' for the server's clock), windowMs. Returns the amount used. */
const USAGE_LUA = `${LUA_COMMON}
return fmt(usedIn(window(KEYS[1], clock(ARGV[1]), tonumber(ARGV[2]))))
`;

/** ARGV: now ('' for the server's clock). Returns the time, so that prune can cut every counter at one time. */
const TIME_LUA = `${LUA_COMMON}
return fmt(clock(ARGV[1]))
`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

const SCRIPTS = {
  toolgateLimitTake: TAKE_LUA,
  toolgateLimitCommit: COMMIT_LUA,
  toolgateLimitRelease: RELEASE_LUA,
  toolgateLimitUsage: USAGE_LUA,
  toolgateLimitTime: TIME_LUA,
} as const;

/**
 * Counters in Redis, shared by every replica that points at the same server and prefix, exact: the same sliding
 * windows as the memory store, with each event kept in a sorted set per counter key. Each take (check every limit
 * of every charge, then reserve all or none), commit and release is one Lua script, so Redis runs it whole, with
 * no other replica's command in between.
 *
 * Keys: `<prefix>ev:<counterKey>` (the events), `<prefix>seq:<counterKey>` (INCR gives reservation ids). Every take
 * sets their TTL to at least the longest window of its limits (plus a minute), so that a counter no call touches
 * any more disappears by itself; prune trims the rest.
 *
 * Reservations live in Redis too: a replica that crashes mid-call leaves its reservations counted until they leave
 * their windows (they can only take quota, never give it). Failing fast: when Redis cannot be reached, every method
 * but close rejects at once, with an Error that names Redis and its address; a call that must be counted is then
 * refused rather than let through uncounted. The client reconnects in the background.
 */
export class RedisLimitStore implements LimitStore {
  readonly #redis: Redis;
  readonly #address: string;
  readonly #prefix: string;
  readonly #serverClock: boolean;
  readonly #logger: LimitStoreLogger;
  /** Settles when the first connection is made or has failed: calls made meanwhile wait for it, no longer. */
  readonly #firstConnection: Promise<void>;
  #lastError: Error | undefined;
  #lost = false;
  #closed = false;

  constructor(options: RedisLimitStoreOptions) {
    this.#address = addressOf(options.url);
    this.#prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.#serverClock = (options.clock ?? 'server') === 'server';
    this.#logger = options.logger ?? CONSOLE_LOGGER;
    const connectTimeout = options.connectTimeoutMs ?? 2_000;
    this.#redis = new Redis(options.url, {
      // Fail at once while disconnected, rather than queue calls that would each wait for a reconnection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // Keep reconnecting in the background, at most a second apart.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    for (const [name, lua] of Object.entries(SCRIPTS)) this.#redis.defineCommand(name, { lua });
    this.#redis.on('error', (error: Error) => {
      this.#lastError = error;
      if (this.#lost || this.#closed) return;
      this.#lost = true;
      this.#log('error', { address: this.#address, error: error.message }, 'limit store cannot reach Redis');
    });
    this.#redis.on('ready', () => {
      this.#lastError = undefined;
      if (!this.#lost) return;
      this.#lost = false;
      this.#log('warn', { address: this.#address }, 'limit store reached Redis again');
    });
    this.#firstConnection = new Promise<void>((resolve) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.#redis.off('ready', settle).off('error', settle).off('end', settle);
        resolve();
      };
      const timer = setTimeout(settle, connectTimeout);
      timer.unref();
      this.#redis.once('ready', settle).once('error', settle).once('end', settle);
    });
  }

  async take(charges: readonly Charge[], now: number): Promise<Taken> {
    if (charges.length === 0) return TOOK_NOTHING;
    const answer = await this.#check(charges, now, true);
    if (!answer.ok) return answer;
    const reserved = charges.map(({ counterKey, amount }, c): ReservedCharge => ({
      counterKey,
      amount,
      id: Number(answer.taken[1 + 2 * c]),
      at: Number(answer.taken[2 + 2 * c]),
    }));
    return { ok: true, reservation: { charges: reserved } };
  }

  async peek(charges: readonly Charge[], now: number): Promise<LimitRefusal | null> {
    if (charges.length === 0) return null;
    const answer = await this.#check(charges, now, false);
    return answer.ok ? null : answer.refusal;
  }

  async commit(reservation: Reservation): Promise<void> {
    await this.#settle('toolgateLimitCommit', reservation);
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#settle('toolgateLimitRelease', reservation);
  }

  async usage(counterKey: string, windowMs: number, now: number): Promise<number> {
    return Number(await this.#run('toolgateLimitUsage', [this.#eventsKey(counterKey)], [this.#now(now), windowMs]));
  }

  /** Trims every counter under this store's prefix; keys emptied go with their last event. */
  async prune(now: number, keepMs: number): Promise<void> {
    const at = Number(await this.#run('toolgateLimitTime', [], [this.#now(now)]));
    const cut = String(at - keepMs);
    const match = `${escapeGlob(this.#prefix)}ev:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#call(() => this.#redis.scan(cursor, 'MATCH', match, 'COUNT', 200));
      cursor = next;
      if (keys.length === 0) continue;
      const trim = this.#redis.pipeline();
      for (const key of keys) trim.zremrangebyscore(key, '-inf', cut);
      const results = await this.#call(() => trim.exec());
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw this.#failure(failed);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#redis.status === 'ready') await this.#redis.quit();
      else this.#redis.disconnect();
    } catch {
      this.#redis.disconnect();
    }
  }

  async #check(
    charges: readonly Charge[],
    now: number,
    reserve: boolean,
  ): Promise<{ ok: true; taken: unknown[] } | { ok: false; refusal: LimitRefusal }> {
    const keys: string[] = [];
    const args: (string | number)[] = [this.#now(now), reserve ? '1' : '0', charges.length];
    for (const { counterKey, amount, limits } of charges) {
      keys.push(this.#eventsKey(counterKey), `${this.#prefix}seq:${counterKey}`);
      const longest = limits.reduce((most, limit) => Math.max(most, limit.windowMs), 0);
      args.push(String(amount), Math.ceil(longest) + TTL_MARGIN_MS, limits.length);
      for (const { windowMs, max, rank } of limits) args.push(windowMs, max, rank);
    }
    const answer = (await this.#run('toolgateLimitTake', keys, args)) as unknown[];
    if (answer[0] === 1) return { ok: true, taken: answer };
    const charge = charges[Number(answer[1])];
    const limit = charge?.limits[Number(answer[2])];
    if (charge === undefined || limit === undefined) throw this.#failure(new Error('unexpected answer to take'));
    const wait = answer[3] === '' ? null : Number(answer[3]);
    return { ok: false, refusal: limitRefusal(limit, charge.counterKey, charge.subject, wait) };
  }

  async #settle(script: 'toolgateLimitCommit' | 'toolgateLimitRelease', reservation: Reservation): Promise<void> {
    if (reservation.charges.length === 0) return;
    const keys = reservation.charges.map(({ counterKey }) => this.#eventsKey(counterKey));
    const members = reservation.charges.map(({ id, amount }) => `${id}:${String(amount)}`);
    await this.#run(script, keys, members);
  }

  #eventsKey(counterKey: string): string {
    return `${this.#prefix}ev:${counterKey}`;
  }

  /** The `now` a script is given: the caller's, or '' for the server's clock. */
  #now(now: number): string {
    return this.#serverClock ? '' : String(now);
  }

  async #run(script: keyof typeof SCRIPTS, keys: readonly string[], args: readonly (string | number)[]) {
    const run = (this.#redis as unknown as Record<string, Script>)[script]!;
    return this.#call(() => run.call(this.#redis, keys.length, ...keys, ...args));
  }

  /** Runs a command once the first connection has settled, and names Redis in its failure. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    await this.#firstConnection;
    try {
      return await command();
    } catch (error) {
      throw this.#failure(error);
    }
  }

  #failure(error: unknown): Error {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#closed) return new Error(`Redis limit store at ${this.#address} is closed`, { cause: error });
    if (this.#redis.status !== 'ready') {
      const why = this.#lastError?.message ?? `connection ${this.#redis.status}`;
      return new Error(`Redis at ${this.#address} is unreachable (${why}): limits cannot be checked`, {
        cause: error,
      });
    }
    return new Error(`Redis at ${this.#address} failed: ${reason}`, { cause: error });
  }

  /** Logs, never throwing: a broken logger must not break the connection's events. */
  #log(level: 'warn' | 'error', fields: object, message: string): void {
    try {
      this.#logger[level](fields, message);
    } catch {
      // Nowhere left to report it.
    }
  }
}

/** `host:port` of a Redis URL, without its credentials: what messages name. */
function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`;
  } catch {
    return 'an invalid address';
  }
}

/** A literal for SCAN's MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

const TOOK_NOTHING: Taken = Object.freeze({ ok: true, reservation: NOTHING_RESERVED });

const CONSOLE_LOGGER: LimitStoreLogger = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
