import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchedClient, errorReason, type SchedProtocol } from "../src/client/index.js";
import { restCall } from "./support/e2e-rest.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";
import { openSse, type SseStream } from "./support/sse-client.js";

/*
 * One client address may hold at most WATCH_STREAMS_PER_ADDRESS event
 * streams open at once, counted over every protocol: Server-Sent Events,
 * gRPC and Connect share the bound, one more is refused with
 * too_many_streams (429 over REST, RESOURCE_EXHAUSTED over RPC), and a
 * stream that closes frees its place.
 */

let served: ServedDatabase;

beforeAll(async () => {
  served = await startServedDatabase("watch_events_limits", { WATCH_STREAMS_PER_ADDRESS: "3" });
  // One event in the log, so that a stream opened from the start shows it is open by sending it.
  const url = served.server.url;
  const clinician = await restCall(url, "POST", "/clinicians", { name: "Dr Watched" });
  const patient = await restCall(url, "POST", "/patients", { name: "Watched" });
  const slots = await restCall(url, "POST", "/slots", { clinician_id: clinician.body.id, start_time: "2036-05-05T08:00:00Z", end_time: "2036-05-05T08:30:00Z" });
  const booked = await restCall(url, "POST", "/appointments", { slot_id: slots.body.slots[0].id, patient_id: patient.body.id });
  expect(booked.status, booked.text).toBe(201);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

const streamUrl = (): string => `${served.server.url}/events/stream?after=0`;

/** Opens WatchEvents from the start and reads its first message: "open", or the refusal's code and reason. */
async function openRpc(protocol: SchedProtocol, streams: AbortController[]): Promise<string> {
  const abort = new AbortController();
  streams.push(abort);
  const client = createSchedClient({ baseUrl: served.server.url, protocol });
  const iterator = client.events.watchEvents({ after: "0" }, { signal: abort.signal })[Symbol.asyncIterator]();
  try {
    await iterator.next();
    return "open";
  } catch (error) {
    const failure = ConnectError.from(error);
    return `${Code[failure.code]} ${errorReason(failure)}: ${failure.rawMessage}`;
  }
}

describe("WatchEvents streams per client address", () => {
  it("are bounded over SSE, gRPC and Connect together, refused with too_many_streams, and a closed one frees its place", async () => {
    const rpcStreams: AbortController[] = [];
    const sse: SseStream[] = [];
    try {
      for (let index = 0; index < 2; index += 1) {
        const stream = await openSse(streamUrl());
        sse.push(stream);
        expect(stream.status).toBe(200);
        await stream.waitFor(1);
      }
      expect(await openRpc("grpc", rpcStreams)).toBe("open");

      const refusedSse = await openSse(streamUrl());
      sse.push(refusedSse);
      expect({ status: refusedSse.status, error: refusedSse.body.error }).toEqual({ status: 429, error: "too_many_streams" });
      expect(refusedSse.body.details).toMatch(/WATCH_STREAMS_PER_ADDRESS.*close one before opening another/);
      expect(await openRpc("grpc", rpcStreams)).toMatch(/^ResourceExhausted too_many_streams: .*close one before opening another$/);
      expect(await openRpc("connect", rpcStreams)).toMatch(/^ResourceExhausted too_many_streams: /);

      // Closing one stream, of either kind, lets exactly one more in.
      sse[0]!.close();
      await expect.poll(() => openRpc("connect", rpcStreams), { timeout: 5_000 }).toBe("open");
      expect(await openRpc("grpc", rpcStreams)).toMatch(/^ResourceExhausted too_many_streams: /);
      rpcStreams[0]!.abort();
      await expect.poll(async () => {
        const stream = await openSse(streamUrl());
        sse.push(stream);
        return stream.status;
      }, { timeout: 5_000 }).toBe(200);
    } finally {
      for (const stream of sse) stream.close();
      for (const stream of rpcStreams) stream.abort();
    }
  });
});
