import { SchedError } from "../errors.js";

/**
 * Where an event stands in the feed: the transaction that wrote it, then its
 * row id within the log (docs/architecture.md, The event feed). Written as
 * "<transaction>-<id>", e.g. "7342-1051"; "0-0" stands before every event.
 */
export interface EventPosition {
  readonly transaction: bigint;
  readonly id: bigint;
}

export const feedStart: EventPosition = { transaction: 0n, id: 0n };

const pattern = /^(\d{1,20})-(\d{1,19})$/;

/** "0" alone is accepted for the start, as clients naturally write it. */
export function parsePosition(text: string): EventPosition {
  const trimmed = text.trim();
  if (trimmed === "0") return feedStart;
  const match = pattern.exec(trimmed);
  if (match === null) {
    throw new SchedError("invalid_position", `a position is written <transaction>-<id>, as events carry it, not ${JSON.stringify(text.slice(0, 60))}`);
  }
  return { transaction: BigInt(match[1]!), id: BigInt(match[2]!) };
}

export function formatPosition({ transaction, id }: EventPosition): string {
  return `${transaction}-${id}`;
}

/** Negative when a comes first, 0 when equal, positive when a comes later. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.transaction !== b.transaction) return a.transaction < b.transaction ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
