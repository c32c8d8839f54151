import { describe, expect, it } from "vitest";
import { connectionStorm, fiveHundreds, IdleConnections, type Tally } from "./support/hostile-connections.js";
import { badBodies, invalidGrpcCalls } from "./support/hostile-requests.js";
import { finishScenario, sleep, useScenario } from "./support/index.js";

const scenario = useScenario("hostile_clients", { servers: 1, workers: 1 });

function merge(into: Tally, from: Tally): void {
  for (const [key, n] of Object.entries(from.statuses)) into.statuses[key] = (into.statuses[key] ?? 0) + n;
  for (const [key, n] of Object.entries(from.failures)) into.failures[key] = (into.failures[key] ?? 0) + n;
}

describe("scenario 6: hostile clients", () => {
  it("2 000 concurrent connections, idle and slow connections, oversize and malformed bodies, invalid protobuf: well-behaved clients see no 5xx", async () => {
    const { data, sched } = scenario;
    const [server] = sched.servers;
    const url = server!.url!;
    const load = scenario.load({ clients: 8 });
    load.start();
    await sleep(2_000);
    const idle = new IdleConnections(url, 500, 100);
    const storms: Tally[] = [];
    const bodies: Tally = { statuses: {}, failures: {} };
    const grpc: Tally = { statuses: {}, failures: {} };
    const hostileUntil = Date.now() + 25_000;
    while (Date.now() < hostileUntil) {
      const [storm, bad, invalid] = await Promise.all([
        connectionStorm(url, 2_000, (index) => `/slots/${data.slotIds[index % data.slotIds.length]}`),
        badBodies(url, data.slotIds[0]!, data.patientIds[0]!, load.ledger.history),
        invalidGrpcCalls(url),
      ]);
      storms.push(storm);
      merge(bodies, bad);
      merge(grpc, invalid);
    }
    const idleOpened = idle.opened;
    const idleClosedByServer = idle.closedByServer;
    idle.release();
    const summary = await load.stop();
    await sleep(3_000);
    const verdict = await finishScenario(scenario, {
      id: "6",
      scenario: "hostile clients",
      processes: "1 serve + 1 expiry-worker, well-behaved REST clients",
      faults: [
        `${storms.length} × 2,000 concurrent connections`,
        `${idleOpened} idle and slowloris connections held open`,
        "oversize (2 MiB) and malformed REST/Connect bodies",
        "invalid protobuf and lying frames on the gRPC path",
      ],
      summary,
      ledger: load.ledger,
      details: {
        stormAnswers: storms.reduce((sum, storm) => sum + (storm.statuses["200"] ?? 0), 0),
        stormShed: storms.reduce((sum, storm) => sum + fiveHundreds(storm), 0),
        storms,
        bodies,
        grpc,
        idleOpened,
        idleClosedByServer,
      },
    });

    expect(Object.values(summary.operations).map((stats) => stats.unanswered)).toEqual([0, 0, 0]);
    expect(verdict.acknowledgedBookings).toBeGreaterThan(0);
    // The storm itself may be shed (503) when it outruns the machine; every request still gets an answer.
    for (const storm of storms) {
      expect(storm.failures).toEqual({});
      expect(Object.keys(storm.statuses).filter((status) => status !== "200" && status !== "503")).toEqual([]);
    }
    // Each hostile request gets its client error, and nothing takes the server down with it.
    const bodyAnswers = new Set(Object.keys(bodies.statuses).map((key) => key.replace(/^REST valid: (201|409)$/, "REST valid: ok")));
    expect([...bodyAnswers].sort()).toEqual([
      "Connect malformed JSON: 400",
      // connect-es, like grpc-go, reads a protobuf it cannot parse as INTERNAL (see README, Fault tests).
      "Connect invalid protobuf: 500",
      "Connect oversize: 429",
      "REST JSON array: 400",
      "REST bad id in path: 400",
      "REST malformed JSON: 400",
      "REST not UTF-8: 400",
      "REST oversize (Content-Length): 413",
      "REST oversize (chunked): 413",
      "REST valid: ok",
      "REST wrong types: 400",
    ].sort());
    expect(Object.keys(grpc.statuses).sort()).toEqual([
      "compressed flag, no encoding: http 200 grpc-status 13",
      "garbage protobuf: http 200 grpc-status 13",
      "length past the cap: http 200 grpc-status 8",
      "no frame header: http 200 grpc-status 3",
      "truncated frame: http 200 grpc-status 3",
    ]);
    expect(idleOpened).toBe(600);
    expect(server!.alive()).toBe(true);
  });
});
