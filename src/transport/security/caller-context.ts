import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";

/**
 * Where authentication leaves the caller for the service implementations.
 * It has no default: a method that was somehow not authenticated finds no
 * caller and refuses, instead of running as anybody.
 */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "sched caller" });

export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) throw new SchedError("unauthenticated", "authentication required");
  return caller;
}
