import type { HandlerContext } from "@connectrpc/connect";
import { anonymousCaller, type Caller } from "../../core/access/caller.js";

/**
 * Establishes who is calling from a request's headers and context values, or
 * throws SchedError("unauthenticated"). Every RPC of every protocol passes
 * through one of these before the core sees it.
 */
export type Authenticate = (context: HandlerContext) => Promise<Caller>;

/** A server run without a verification key: nobody is asked who they are. */
export const openAccess: Authenticate = () => Promise.resolve(anonymousCaller);
