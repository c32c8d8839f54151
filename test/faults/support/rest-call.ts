import http from "node:http";

/** What one REST call came to: an answer (any status), or no answer at all. */
export type CallResult =
  | { answered: true; status: number; body: Record<string, unknown>; ms: number }
  | { answered: false; error: string; ms: number };

/** Keep-alive HTTP/1.1 connections to one server, as a load balancer's upstream pool would hold. */
export class RestTarget {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(
    readonly url: string,
    maxSockets: number,
  ) {
    this.base = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs: number }): Promise<CallResult> {
    const started = performance.now();
    const ms = (): number => performance.now() - started;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: CallResult): void => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const request = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => {
            if (response.complete) finish({ answered: true, status: response.statusCode ?? 0, body: parsed(text), ms: ms() });
            else finish({ answered: false, error: "incomplete response", ms: ms() });
          });
          response.on("error", (error: NodeJS.ErrnoException) => finish({ answered: false, error: error.code ?? error.message, ms: ms() }));
        },
      );
      request.setTimeout(options.timeoutMs, () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
      request.on("error", (error: NodeJS.ErrnoException) => finish({ answered: false, error: error.code ?? error.message, ms: ms() }));
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function parsed(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}
