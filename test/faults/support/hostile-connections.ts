import http from "node:http";
import net from "node:net";

/** How a batch of requests ended: answers by HTTP status, and failures with no answer by error code. */
export interface Tally {
  statuses: Record<string, number>;
  failures: Record<string, number>;
}

export function emptyTally(): Tally {
  return { statuses: {}, failures: {} };
}

export function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** Answers with a 5xx status in a tally. */
export function fiveHundreds(tally: Tally): number {
  return Object.entries(tally.statuses).reduce((sum, [status, n]) => sum + (Number(status) >= 500 ? n : 0), 0);
}

/**
 * `connections` requests at once, each on a connection of its own (no
 * keep-alive pool), as a crowd of clients opening connections together.
 */
export async function connectionStorm(url: string, connections: number, path: (index: number) => string): Promise<Tally> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const tally = emptyTally();
  const base = new URL(url);
  await Promise.all(
    Array.from(
      { length: connections },
      (_, index) =>
        new Promise<void>((resolve) => {
          const request = http.get({ host: base.hostname, port: base.port, path: path(index), agent }, (response) => {
            response.resume();
            response.on("end", () => {
              count(tally.statuses, String(response.statusCode));
              resolve();
            });
            response.on("error", () => resolve());
          });
          request.setTimeout(60_000, () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
          request.on("error", (error: NodeJS.ErrnoException) => {
            count(tally.failures, error.code ?? error.message);
            resolve();
          });
        }),
    ),
  );
  agent.destroy();
  return tally;
}

/** Connections held open by clients that send nothing, or send a request's headers a byte a second (slowloris). */
export class IdleConnections {
  private readonly sockets: net.Socket[] = [];
  private readonly drip: ReturnType<typeof setInterval>;
  /** How many the server closed, and how many were open at the peak. */
  closedByServer = 0;
  opened = 0;
  private releasing = false;

  constructor(url: string, silent: number, slow: number) {
    const { hostname, port } = new URL(url);
    const open = (onConnect: (socket: net.Socket) => void): void => {
      const socket = net.connect({ host: hostname, port: Number(port) }, () => {
        this.opened += 1;
        onConnect(socket);
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        if (!this.releasing) this.closedByServer += 1;
      });
      this.sockets.push(socket);
    };
    for (let n = 0; n < silent; n += 1) open(() => {});
    const slowSockets: net.Socket[] = [];
    for (let n = 0; n < slow; n += 1) open((socket) => {
      socket.write("POST /appointments HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      slowSockets.push(socket);
    });
    this.drip = setInterval(() => {
      for (const socket of slowSockets) if (!socket.destroyed) socket.write("a");
    }, 1_000);
  }

  release(): void {
    this.releasing = true;
    clearInterval(this.drip);
    for (const socket of this.sockets) socket.destroy();
  }
}
