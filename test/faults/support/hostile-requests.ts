import http from "node:http";
import http2 from "node:http2";
import type { HistoryRecorder } from "../../../src/core/history/history-operation.js";
import { count, emptyTally, type Tally } from "./hostile-connections.js";
import { bookedId, historyAnswer } from "./history-answer.js";
import { RestTarget } from "./rest-call.js";

const oneMiB = 1024 * 1024;

/** One HTTP/1.1 request with a raw body (Buffer, or chunks sent with chunked encoding); its status, or the error. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body: Buffer | Buffer[]): Promise<string> {
  const base = new URL(url);
  return new Promise((resolve) => {
    const request = http.request({ host: base.hostname, port: base.port, method, path, headers, agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolve(String(response.statusCode)));
      response.on("error", () => resolve(String(response.statusCode)));
    });
    request.setTimeout(30_000, () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    // The server answers 413 and closes without reading a body over the cap: the rest of the upload fails, as it should.
    request.on("error", (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
    if (Buffer.isBuffer(body)) request.end(body);
    else {
      for (const chunk of body) request.write(chunk);
      request.end();
    }
  });
}

/** A well-formed booking among the bad ones, recorded in the history, since it may book. */
async function validBooking(url: string, slotId: string, patientId: string, history: HistoryRecorder): Promise<string> {
  const operation = history.begin("book", { slotId, patientId });
  const target = new RestTarget(url, 1);
  const result = await target.call("POST", "/appointments", { body: { slot_id: slotId, patient_id: patientId }, timeoutMs: 30_000 });
  target.close();
  const id = bookedId(result);
  operation.end(historyAnswer(result, id !== undefined), id);
  return result.answered ? String(result.status) : `error ${result.error}`;
}

/** Bodies past the 1 MiB cap and bodies that are not what they claim to be, over REST and Connect. */
export async function badBodies(url: string, slotId: string, patientId: string, history: HistoryRecorder): Promise<Tally> {
  const tally = emptyTally();
  const json = { "content-type": "application/json" };
  const huge = Buffer.alloc(2 * oneMiB, "a");
  const cases: [string, Promise<string>][] = [
    ["REST oversize (Content-Length)", send(url, "POST", "/appointments", json, huge)],
    ["REST oversize (chunked)", send(url, "POST", "/appointments", json, Array.from({ length: 48 }, () => Buffer.alloc(64 * 1024, "b")))],
    ["Connect oversize", send(url, "POST", "/sched.v1.AppointmentService/CreateAppointment", json, huge)],
    ["REST malformed JSON", send(url, "POST", "/appointments", json, Buffer.from('{"slot_id":'))],
    ["REST wrong types", send(url, "POST", "/appointments", json, Buffer.from('{"slot_id":42,"patient_id":[1]}'))],
    ["REST JSON array", send(url, "POST", "/appointments", json, Buffer.from("[]"))],
    ["REST not UTF-8", send(url, "POST", "/appointments", json, Buffer.from([0xff, 0xfe, 0x00, 0x7b]))],
    ["REST bad id in path", send(url, "POST", "/appointments/not-a-uuid/confirm", json, Buffer.from("{}"))],
    ["Connect malformed JSON", send(url, "POST", "/sched.v1.AppointmentService/CreateAppointment", json, Buffer.from("{nope"))],
    [
      "Connect invalid protobuf",
      send(url, "POST", "/sched.v1.AppointmentService/CreateAppointment", { "content-type": "application/proto" }, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])),
    ],
    ["REST valid", validBooking(url, slotId, patientId, history)],
  ];
  for (const [name, outcome] of cases) count(tally.statuses, `${name}: ${await outcome}`);
  return tally;
}

/** gRPC length-prefixed messages that lie: garbage protobuf, a truncated frame, a length far past the cap, no frame at all. */
export function invalidGrpcBodies(): Record<string, Buffer> {
  const frame = (flag: number, length: number, payload: Buffer): Buffer => {
    const header = Buffer.alloc(5);
    header.writeUInt8(flag, 0);
    header.writeUInt32BE(length, 1);
    return Buffer.concat([header, payload]);
  };
  const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x80]);
  return {
    "garbage protobuf": frame(0, garbage.length, garbage),
    "truncated frame": frame(0, 100, garbage),
    "length past the cap": frame(0, 64 * oneMiB, garbage),
    "compressed flag, no encoding": frame(1, garbage.length, garbage),
    "no frame header": Buffer.from([0x01, 0x02]),
  };
}

/** Sends each invalid body as a gRPC call over one h2c session; tallies "name: http <status> grpc-status <code>". */
export async function invalidGrpcCalls(url: string): Promise<Tally> {
  const tally = emptyTally();
  const session = http2.connect(url);
  session.on("error", () => {});
  try {
    for (const [name, body] of Object.entries(invalidGrpcBodies())) {
      count(tally.statuses, `${name}: ${await grpcCall(session, body)}`);
    }
  } finally {
    session.close();
  }
  return tally;
}

function grpcCall(session: http2.ClientHttp2Session, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/sched.v1.AppointmentService/CreateAppointment",
      "content-type": "application/grpc",
      te: "trailers",
    });
    let status: number | undefined;
    let grpcStatus: string | undefined;
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
      grpcStatus ??= headers["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (trailers) => (grpcStatus = trailers["grpc-status"] as string | undefined));
    stream.on("data", () => {});
    stream.setTimeout(30_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on("close", () => resolve(`http ${status ?? "none"} grpc-status ${grpcStatus ?? "none"}`));
    stream.on("error", () => {});
    stream.end(body);
  });
}
