import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";

/**
 * Where admission leaves the caller for the service implementations. It has
 * no default: a method that was somehow not admitted finds no caller and
 * refuses, instead of running as anybody.
 */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "sched caller" });

export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) throw new SchedError("unauthenticated", "authentication required");
  return caller;
}

/** The context values a call's handler runs with: its admitted caller, if any. */
export function callerValues(caller: Caller | undefined): ContextValues {
  return withCaller(createContextValues(), caller);
}

/** Adds the admitted caller, if any, to a call's context values. */
export function withCaller(values: ContextValues, caller: Caller | undefined): ContextValues {
  if (caller !== undefined) values.set(callerKey, caller);
  return values;
}
