import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchedClient, type SchedProtocol } from "../src/client/index.js";
import { restCall } from "./support/e2e-rest.js";
import { http1Request, http2Request } from "./support/http-clients.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/*
 * Text no person types (NUL, other control characters, lone surrogates) and
 * bytes that are not UTF-8, sent over every protocol the server speaks: each
 * is the caller's mistake, answered invalid_argument naming the field, never
 * a 500 with an error-level log line, and nothing of it is stored.
 */

let served: ServedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  served = await startServedDatabase("hostile_text");
  pool = new pg.Pool({ connectionString: served.database.dsn, max: 1 });
});

afterAll(async () => {
  await pool?.end();
  await served?.close();
});

const hostileNames = ["a\u0000b", "Bob\u001b[2J", "Bo\ud800b", "Bob\r\nrole: staff"];

async function patientCount(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM patients");
  return rows[0]!.n;
}

function errorLines(): Array<Record<string, unknown>> {
  return served.server.logLines().filter((line) => typeof line.level === "number" && line.level >= 50);
}

/** A gRPC-Web or Connect-streaming envelope around one message. */
function envelope(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

describe("control characters and lone surrogates", () => {
  it("are invalid_argument naming the field over REST, in a body and in a query parameter", async () => {
    const before = await patientCount();
    for (const name of hostileNames) {
      const answer = await restCall(served.server.url, "POST", "/patients", { name });
      expect(answer.status).toBe(400);
      // protobuf-es refuses a lone surrogate while decoding JSON, before the core sees it.
      expect(answer.body).toEqual(
        name.includes("\ud800")
          ? { error: "invalid_request_body", details: expect.stringMatching(/name: .*invalid UTF8/) }
          : { error: "invalid_argument", details: expect.stringMatching(/^name must not contain control characters/) },
      );
    }
    for (const path of ["/slots?specialty=%00", "/clinicians?specialty=%00", "/clinicians?specialty=x%0D%0Ay"]) {
      const answer = await restCall(served.server.url, "GET", path);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: "invalid_argument", details: expect.stringMatching(/^specialty must not contain/) });
    }
    expect(await patientCount()).toBe(before);
  });

  it("are invalid_argument naming the field over Connect JSON", async () => {
    for (const name of hostileNames) {
      const answer = await http1Request(served.server.port, {
        method: "POST",
        path: "/sched.v1.DirectoryService/CreatePatient",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/name/) });
    }
    const search = await http1Request(served.server.port, {
      method: "POST",
      path: "/sched.v1.SlotService/SearchSlots",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ specialty: "\u0000" }),
    });
    expect(search.status).toBe(400);
    expect(JSON.parse(search.body)).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/^specialty must not contain/) });
  });

  it.each<[SchedProtocol, "1.1" | "2"]>([
    ["grpc", "2"],
    ["grpc-web", "1.1"],
    ["grpc-web", "2"],
    ["connect", "2"],
  ])("are invalid_argument naming the field over %s (HTTP/%s, binary)", async (protocol, httpVersion) => {
    const client = createSchedClient({ baseUrl: served.server.url, protocol, httpVersion });
    const before = await patientCount();
    for (const name of ["a\u0000b", "Bob\u001b[2J", "Bob\r\nrole: staff"]) {
      const failure = await client.directory.createPatient({ name }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConnectError);
      expect((failure as ConnectError).code).toBe(Code.InvalidArgument);
      expect((failure as ConnectError).rawMessage).toMatch(/^name must not contain control characters/);
    }
    const listed = await client.directory.listClinicians({ specialty: "\u0000" }).catch((error: unknown) => error);
    expect((listed as ConnectError).code).toBe(Code.InvalidArgument);
    expect((listed as ConnectError).rawMessage).toMatch(/^specialty must not contain/);
    expect(await patientCount()).toBe(before);
  });
});

describe("JSON bodies that are not UTF-8", () => {
  const notUtf8 = Buffer.concat([Buffer.from('{"name":"Bo'), Buffer.from([0xff]), Buffer.from('b"}')]);

  it("are refused over REST, Connect JSON and gRPC-Web JSON instead of being stored altered", async () => {
    const before = await patientCount();
    const rest = await http1Request(served.server.port, {
      method: "POST",
      path: "/patients",
      headers: { "content-type": "application/json" },
      body: notUtf8 as unknown as string,
    });
    expect(rest.status).toBe(400);
    const connect = await http1Request(served.server.port, {
      method: "POST",
      path: "/sched.v1.DirectoryService/CreatePatient",
      headers: { "content-type": "application/json" },
      body: notUtf8 as unknown as string,
    });
    expect(connect.status).toBe(400);
    expect(JSON.parse(connect.body)).toMatchObject({ code: "invalid_argument" });
    const grpcWeb = await http1Request(served.server.port, {
      method: "POST",
      path: "/sched.v1.DirectoryService/CreatePatient",
      headers: { "content-type": "application/grpc-web+json" },
      body: envelope(notUtf8) as unknown as string,
    });
    // Over HTTP/1.1 gRPC-Web sends its status in a trailer frame at the end of the body.
    expect(grpcWeb.headers["grpc-status"] ?? grpcWeb.body).toMatch(/(^|grpc-status: ?)3(\r\n|$)/);
    const grpcJson = await http2Request(served.server.port, {
      method: "POST",
      path: "/sched.v1.DirectoryService/CreatePatient",
      headers: { "content-type": "application/grpc+json", te: "trailers" },
      body: envelope(notUtf8) as unknown as string,
    });
    expect(grpcJson.headers["grpc-status"] ?? grpcJson.trailers?.["grpc-status"]).toBe(String(Code.InvalidArgument));
    expect(await patientCount()).toBe(before);
    const { rows } = await pool.query("SELECT name FROM patients WHERE name LIKE 'Bo%b'");
    expect(rows).toEqual([]);
  });

  afterAll(() => {
    // Every refusal above was the caller's doing: none may log at error level.
    expect(errorLines()).toEqual([]);
  });
});
