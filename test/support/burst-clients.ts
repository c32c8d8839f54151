import http from "node:http";
import http2 from "node:http2";

/*
 * Clients for bursts against a server that may go away mid-burst. Every
 * request ends in exactly one outcome, never hangs (each is bounded by a
 * timer) and never throws:
 *
 * - answered: a complete response whose body is the whole JSON text;
 * - refused: the request was turned away cleanly before any byte of an
 *   answer: ECONNREFUSED, ECONNRESET/EPIPE before a response began, an HTTP/2
 *   session that had already received GOAWAY (nothing sent), a stream above
 *   the GOAWAY's last stream id or reset with REFUSED_STREAM;
 * - broken: anything else (a truncated or unparseable body, a reset after the
 *   answer began, a stream the server accepted and then dropped, a timeout).
 */

export type Outcome =
  | { kind: "answered"; status: number; body: unknown; requestId: string | undefined; at: number }
  | { kind: "refused"; how: string; at: number }
  | { kind: "broken"; how: string; at: number };

export interface JsonPost {
  path: string;
  body: unknown;
  requestId: string;
}

const cleanHttp1Failures = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE"]);

function answered(status: number, text: string, requestId: string | undefined): Outcome {
  const at = Date.now();
  try {
    return { kind: "answered", status, body: JSON.parse(text), requestId, at };
  } catch {
    return { kind: "broken", how: `status ${status} with a body that is not whole JSON: ${JSON.stringify(text.slice(0, 120))}`, at };
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** One POST over HTTP/1.1 through the given (keep-alive) agent. */
export function http1Post(port: number, agent: http.Agent, { path, body, requestId }: JsonPost, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    let settled = false;
    let responseBegan = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path,
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "x-request-id": requestId },
      },
      (response) => {
        responseBegan = true;
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          if (response.complete) finish(answered(response.statusCode ?? 0, text, headerText(response.headers["x-request-id"])));
          else finish({ kind: "broken", how: "HTTP/1.1 response ended incomplete", at: Date.now() });
        });
        response.on("aborted", () => finish({ kind: "broken", how: "HTTP/1.1 response aborted", at: Date.now() }));
        response.on("error", (error) => finish({ kind: "broken", how: `HTTP/1.1 response failed: ${error.message}`, at: Date.now() }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "";
      if (!responseBegan && cleanHttp1Failures.has(code)) finish({ kind: "refused", how: `HTTP/1.1 ${code}`, at: Date.now() });
      else finish({ kind: "broken", how: `HTTP/1.1 ${code} ${error.message}${responseBegan ? " after the response began" : ""}`, at: Date.now() });
    });
    const timer = setTimeout(() => {
      finish({ kind: "broken", how: `HTTP/1.1 no outcome within ${timeoutMs} ms`, at: Date.now() });
      request.destroy();
    }, timeoutMs);
    request.end(payload);
  });
}

/**
 * One HTTP/2 connection at a time to the server, shared by every request sent
 * through it; once it has been told GOAWAY or has closed, the next request
 * opens a new one (which, after shutdown began, is refused).
 */
export class Http2Lane {
  private session: http2.ClientHttp2Session | undefined;
  private connecting: Promise<http2.ClientHttp2Session | NodeJS.ErrnoException> | undefined;
  private readonly sessions: http2.ClientHttp2Session[] = [];
  /** The last stream id of each GOAWAY received, by session. */
  private readonly goaway = new Map<http2.ClientHttp2Session, number>();
  /** GOAWAY frames received: error code and last stream id. */
  readonly goaways: { errorCode: number; lastStreamID: number }[] = [];

  constructor(private readonly url: string) {}

  private current(): Promise<http2.ClientHttp2Session | NodeJS.ErrnoException> {
    const session = this.session;
    if (session !== undefined && !session.closed && !session.destroyed && !this.goaway.has(session)) return Promise.resolve(session);
    this.connecting ??= new Promise<http2.ClientHttp2Session | NodeJS.ErrnoException>((resolve) => {
      const opened = http2.connect(this.url);
      this.sessions.push(opened);
      opened.on("goaway", (errorCode, lastStreamID) => {
        this.goaway.set(opened, lastStreamID);
        this.goaways.push({ errorCode, lastStreamID });
      });
      // Session errors reach the streams; the listener only keeps them from being thrown.
      opened.on("error", (error: NodeJS.ErrnoException) => resolve(error));
      opened.once("connect", () => {
        this.session = opened;
        resolve(opened);
      });
    }).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async post({ path, body, requestId }: JsonPost, timeoutMs: number): Promise<Outcome> {
    const session = await this.current();
    if (session instanceof Error) {
      const how = `HTTP/2 connect ${session.code ?? session.message}`;
      return session.code === "ECONNREFUSED" ? { kind: "refused", how, at: Date.now() } : { kind: "broken", how, at: Date.now() };
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/json",
        "x-request-id": requestId,
      });
    } catch (error) {
      // Thrown before anything is sent: the session has received GOAWAY or is gone.
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const how = `HTTP/2 ${code}`;
      const clean = code === "ERR_HTTP2_GOAWAY_SESSION" || code === "ERR_HTTP2_INVALID_SESSION";
      return clean ? { kind: "refused", how, at: Date.now() } : { kind: "broken", how, at: Date.now() };
    }
    return new Promise((resolve) => {
      let settled = false;
      let status: number | undefined;
      let text = "";
      let failure: NodeJS.ErrnoException | undefined;
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      let responseRequestId: string | undefined;
      stream.on("response", (headers) => {
        status = Number(headers[":status"]);
        responseRequestId = headerText(headers["x-request-id"]);
      });
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => {
        if (status !== undefined) finish(answered(status, text, responseRequestId));
      });
      stream.on("error", (error: NodeJS.ErrnoException) => (failure = error));
      stream.on("close", () => {
        if (settled) return;
        const at = Date.now();
        const lastStreamID = this.goaway.get(session);
        if (status === undefined && stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
          finish({ kind: "refused", how: "HTTP/2 REFUSED_STREAM", at });
        } else if (status === undefined && stream.id === undefined) {
          finish({ kind: "refused", how: `HTTP/2 stream never opened (${failure?.code ?? "closed"})`, at });
        } else if (status === undefined && lastStreamID !== undefined && stream.id !== undefined && stream.id > lastStreamID) {
          finish({ kind: "refused", how: "HTTP/2 stream above GOAWAY's last stream id", at });
        } else {
          const began = status === undefined ? "before" : "after";
          finish({ kind: "broken", how: `HTTP/2 stream ${stream.id} closed ${began} its answer: rst ${stream.rstCode}, ${failure?.code ?? ""} ${failure?.message ?? ""}`, at });
        }
      });
      const timer = setTimeout(() => {
        finish({ kind: "broken", how: `HTTP/2 no outcome within ${timeoutMs} ms`, at: Date.now() });
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      stream.end(JSON.stringify(body));
    });
  }

  close(): void {
    for (const session of this.sessions) session.destroy();
  }
}
