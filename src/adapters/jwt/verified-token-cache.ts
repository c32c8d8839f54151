import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { VerifiedCaller } from "../../core/access/caller.js";

interface Entry {
  caller: VerifiedCaller;
  /** The first instant (ms since the epoch) at which a check of the token could fail: then it is verified afresh. */
  untilMs: number;
}

/**
 * The callers of tokens already verified, so that a client sending the same
 * token call after call pays for one signature check, not one per call
 * (jose's HMAC goes through WebCrypto: measured as most of what a booking's
 * authentication cost). Only successes are kept, and only until the token's
 * `exp` or its `iat` plus the maximum token age, whichever comes first:
 * without the clock tolerance, so a token leaves the cache no later than a
 * check could refuse it. The key never changes while a process runs (a key
 * change is a restart), so nothing else can turn a success into a failure.
 * Entries are keyed by the token's SHA-256, which bounds their size whatever
 * the token's length and keeps no credential in the cache; the least recently
 * used entry leaves first when `max` are held.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    max = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LRUCache<string, Entry>({ max });
  }

  get(token: string): VerifiedCaller | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() < entry.untilMs) return entry.caller;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps a verified token's caller until `untilMs`; a moment already past keeps nothing. */
  set(token: string, caller: VerifiedCaller, untilMs: number): void {
    if (!(untilMs > this.now())) return;
    this.entries.set(keyOf(token), { caller: Object.freeze({ ...caller }), untilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  return createHash("sha256").update(token).digest("base64");
}
