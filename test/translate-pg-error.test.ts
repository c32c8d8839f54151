import pg from "pg";
import { describe, expect, it } from "vitest";
import { isConnectionFailure, translatePgError } from "../src/adapters/postgres/translate-error.js";

function databaseError(code: string, message = "database says no"): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, "error");
  error.code = code;
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

// What the pg driver and PostgreSQL 15 report in an outage, as seen in the
// outage tests against a private cluster.
const lostConnections: Array<[string, unknown]> = [
  ["connection refused", socketError("ECONNREFUSED")],
  ["connection reset", socketError("ECONNRESET")],
  ["host unreachable", socketError("EHOSTUNREACH")],
  ["administrator shutdown (57P01)", databaseError("57P01", "terminating connection due to administrator command")],
  ["crash shutdown (57P02)", databaseError("57P02")],
  ["cannot connect now, the server is starting (57P03)", databaseError("57P03", "the database system is starting up")],
  ["connection exception (08006)", databaseError("08006")],
  ["a closed connection", new Error("Connection terminated unexpectedly")],
  ["a connection that timed out opening", new Error("Connection terminated due to connection timeout")],
  ["the pool's wait for a connection", new Error("timeout exceeded when trying to connect")],
  ["no answer within query_timeout", new Error("Query read timeout")],
  ["a client that failed before", new Error("Client has encountered a connection error and is not queryable")],
];

const busyButConnected: Array<[string, unknown]> = [
  ["statement_timeout (57014)", databaseError("57014", "canceling statement due to statement timeout")],
  ["too many connections (53300)", databaseError("53300", "sorry, too many clients already")],
  ["serialization failure (40001)", databaseError("40001")],
  ["deadlock (40P01)", databaseError("40P01")],
];

describe("translatePgError", () => {
  it.each([...lostConnections, ...busyButConnected])("answers %s with unavailable, hiding the driver's text", (_, error) => {
    const translated = translatePgError(error);
    expect(translated.code).toBe("unavailable");
    expect(translated.message).toBe("the database is unavailable, try again");
    expect(translated.cause).toBe(error);
  });

  it.each([
    ["a NUL in text (22021)", "22021"],
    ["a NUL in a JSON escape (22P05)", "22P05"],
  ])("answers %s with invalid_argument: the caller's text, not our fault", (_, code) => {
    const error = databaseError(code, 'invalid byte sequence for encoding "UTF8": 0x00');
    const translated = translatePgError(error);
    expect(translated.code).toBe("invalid_argument");
    expect(translated.message).not.toContain("UTF8");
    expect(translated.cause).toBe(error);
  });

  it.each([
    ["a missing database (3D000)", databaseError("3D000", 'database "x" does not exist')],
    ["a refused login (28P01)", databaseError("28P01", 'password authentication failed for user "x"')],
    ["a missing table (42P01)", databaseError("42P01", 'relation "x" does not exist')],
    ["a missing column (42703)", databaseError("42703", 'column "x" does not exist')],
  ])("answers %s with unavailable: the database is not ready, whatever the request", (_, error) => {
    const translated = translatePgError(error);
    expect(translated.code).toBe("unavailable");
    expect(translated.message).toBe("the database is not ready for sched");
    expect(translated.cause).toBe(error);
  });

  it("answers anything else with internal_error", () => {
    expect(translatePgError(databaseError("42601", "syntax error")).code).toBe("internal_error");
    expect(translatePgError(new Error("something else")).code).toBe("internal_error");
  });
});

describe("isConnectionFailure", () => {
  it.each(lostConnections)("is true for %s: the connection must not go back to the pool", (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([...busyButConnected, ["a constraint", databaseError("23505")] as [string, unknown]])(
    "is false for %s: PostgreSQL answered and the connection is fit for use",
    (_, error) => {
      expect(isConnectionFailure(error)).toBe(false);
    },
  );
});
