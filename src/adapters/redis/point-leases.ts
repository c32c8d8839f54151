import { LRUCache } from "lru-cache";
import type { RateDecision } from "../../core/ports/rate-limiter.js";

/**
 * What the shared counter answered a request for points of a key's budget:
 * how many it granted (fewer than asked when the budget ran out on the way,
 * none when it had run out before), and for how long they may be spent.
 */
export type Reservation = { granted: number; windowMs: number; retryAfterMs?: undefined } | { granted: 0; retryAfterMs: number };

/** Takes up to `points` points of a key's budget from the counter every instance shares. */
export type Reserve = (key: string, points: number) => Promise<Reservation>;

interface Lease {
  /** Points granted to this process and not spent yet. */
  left: number;
  /** performance.now() at which the window they were granted in may already have ended: they are dropped then. */
  untilMs: number;
  /** Calls waiting for the block on its way, in order of arrival. */
  waiting: Array<(decision: RateDecision) => void>;
  asking: boolean;
  /** A point of the current block was spent: the caller is active, and its block is renewed when the window ends. */
  spent: boolean;
  /** Takes the next window's block once the current window has ended in the shared counter. */
  renewal?: NodeJS.Timeout;
}

/**
 * How long after the counter's window has surely ended a renewal asks for the
 * next one: the window's end is known to the millisecond, and the key's
 * expiry in Redis is exact to about one.
 */
const renewalMarginMs = 2;

/**
 * Spends a key's budget in blocks: a call that finds no points of its key
 * here takes a block of `leaseSize` points from the shared counter, and the
 * next calls of that key spend them from memory, until they run out or their
 * window ends. One block per key is on its way at a time: calls arriving
 * meanwhile wait for it, and the next block is as large as the queue that
 * waits for it, so a burst costs two round trips at most. The shared counter
 * counts every granted point, so that all instances together never admit
 * more than the budget; the points a process holds when the window ends
 * (fewer than leaseSize) are lost to its caller, which only refuses early.
 *
 * A block from which a call was spent is renewed in the background when its
 * window ends, so that a caller active from one window to the next does not
 * wait for the shared counter at the start of each: only its first call, and
 * the first after a window in which it made none, do. The renewal is counted
 * like any block; when the caller makes no call in the renewed window, that
 * block is lost to it (a hundredth of its budget, in this process only) and
 * not renewed again.
 */
export class PointLeases {
  private readonly leases: LRUCache<string, Lease>;

  constructor(
    private readonly reserve: Reserve,
    private readonly leaseSize: number,
    maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.leases = new LRUCache<string, Lease>({ max: maxKeys, dispose: (lease) => clearTimeout(lease.renewal) });
  }

  take(key: string): Promise<RateDecision> {
    let lease = this.leases.get(key);
    if (lease === undefined) {
      lease = { left: 0, untilMs: 0, waiting: [], asking: false, spent: false };
      this.leases.set(key, lease);
    }
    if (lease.left > 0 && this.now() < lease.untilMs) {
      lease.left -= 1;
      lease.spent = true;
      return Promise.resolve({ allowed: true });
    }
    const held = lease;
    return new Promise((resolve) => {
      held.waiting.push(resolve);
      if (!held.asking) this.ask(key, held);
    });
  }

  private ask(key: string, lease: Lease): void {
    lease.asking = true;
    // The counter's window ends windowMs after it answered, which is after
    // this moment: counting from here the points never outlive their window.
    const askedAt = this.now();
    const wanted = Math.max(this.leaseSize, lease.waiting.length);
    this.reserve(key, wanted).then(
      (answer) => {
        lease.asking = false;
        if (answer.retryAfterMs !== undefined) return this.refuseWaiting(lease, answer.retryAfterMs);
        const answeredAt = this.now();
        const live = answeredAt < lease.untilMs ? lease.left : 0;
        lease.left = live + answer.granted;
        lease.untilMs = live > 0 ? Math.min(lease.untilMs, askedAt + answer.windowMs) : askedAt + answer.windowMs;
        if (live === 0) lease.spent = false;
        // The counter answered before this moment, so its window ends before
        // answeredAt + windowMs: a renewal then lands in the next window.
        if (answer.windowMs > 0) this.renewAfter(key, lease, answer.windowMs + renewalMarginMs);
        while (lease.left > 0 && lease.waiting.length > 0) {
          lease.left -= 1;
          lease.spent = true;
          lease.waiting.shift()!({ allowed: true });
        }
        if (lease.waiting.length === 0) return;
        // Fewer points than asked: the budget ran out on the way.
        if (answer.granted < wanted) return this.refuseWaiting(lease, answer.windowMs);
        this.ask(key, lease);
      },
      () => {
        // Reserve never rejects; were it to, callers are not locked out for it.
        lease.asking = false;
        for (const resolve of lease.waiting.splice(0)) resolve({ allowed: true });
      },
    );
  }

  private renewAfter(key: string, lease: Lease, delayMs: number): void {
    clearTimeout(lease.renewal);
    lease.renewal = setTimeout(() => {
      lease.renewal = undefined;
      // An idle caller's block, or one evicted to make room, is left to lapse.
      if (!lease.spent || lease.asking || this.leases.peek(key) !== lease) return;
      this.ask(key, lease);
    }, delayMs);
    lease.renewal.unref();
  }

  private refuseWaiting(lease: Lease, retryAfterMs: number): void {
    for (const resolve of lease.waiting.splice(0)) resolve({ allowed: false, retryAfterMs });
  }
}
