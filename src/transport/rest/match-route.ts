import type { RestRoute } from "./routes.js";

export type RouteMatch =
  | { kind: "found"; route: RestRoute; variables: Record<string, string> }
  /** The path is a REST path, but not for this method: a 405 with these in Allow. */
  | { kind: "wrong_method"; allowed: string[] }
  /** Not a REST path at all: someone else's request (Connect's, or nobody's). */
  | { kind: "none" };

/** Finds the route for a request among routes sorted most specific first. */
export function matchRoute(routes: readonly RestRoute[], verb: string, path: string): RouteMatch {
  const allowed = new Set<string>();
  for (const route of routes) {
    const variables = route.template.match(path);
    if (variables === undefined) continue;
    if (route.verb === verb) return { kind: "found", route, variables };
    allowed.add(route.verb);
  }
  return allowed.size === 0 ? { kind: "none" } : { kind: "wrong_method", allowed: [...allowed].sort() };
}
