import http from "node:http";
import http2 from "node:http2";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** HTTP/2 trailers, when the answer had any. */
  trailers?: Record<string, string | string[] | undefined>;
}

export interface Call {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request over HTTP/1.1. */
export function http1Request(port: number, { method = "GET", path, headers = {}, body }: Call): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered: Answer | undefined;
    const request = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      answered = { status: response.statusCode ?? 0, headers: response.headers, body: text };
      response.on("close", () => resolve({ ...answered!, body: text }));
    });
    // A server that refuses an oversized body may close the connection while
    // the rest is still being written: the answer it sent first is what counts.
    request.on("error", (error) => (answered ? undefined : reject(error)));
    request.end(body);
  });
}

/** One request over cleartext HTTP/2 (prior knowledge), on a session of its own. */
export function http2Request(port: number, { method = "GET", path, headers = {}, body }: Call): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":method": method, ":path": path, ...headers });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (received) => (responseHeaders = received));
    stream.on("trailers", (received) => (trailers = received));
    stream.on("data", (chunk: string) => (text += chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(responseHeaders[":status"]), headers: responseHeaders, body: text, ...(trailers && { trailers }) });
    });
    stream.end(body);
  });
}

/** A Connect protocol JSON call to /sched.v1.<Service>/<Method>. */
export function connectJson(procedure: string, message: unknown, headers: Record<string, string> = {}): Call {
  return {
    method: "POST",
    path: `/sched.v1.${procedure}`,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(message),
  };
}
