import { create, type JsonObject } from "@bufbuild/protobuf";
import type { NodeResponse } from "../http/http-route.js";
import { resumeAfterHeader, toConnectError } from "../errors/to-connect-error.js";
import { openCall, type RouteCall } from "./call-route.js";
import { errorResponse, type RestErrorResponse } from "./error-response.js";
import { renderResponse } from "./render-json.js";

/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const keepAliveMs = 15_000;

/**
 * A server-streaming route as Server-Sent Events: `id:` the message's
 * `position` field when it has one, `data:` the message (or its
 * response_body field) as the REST JSON of every other answer. Written by
 * hand rather than with an SSE package: the format is a few lines, and the
 * stream must follow the socket's backpressure (a write that does not drain
 * pauses the stream, so a slow reader fills the feed's bounded buffer, not
 * the server's memory). A failure before the first message is an ordinary
 * JSON error answer; one after it ends the stream with an `error` event
 * whose data is the error body, plus `resume_after` when the feed gives one.
 */
export async function answerEventStream(call: RouteCall, fail: (response: RestErrorResponse) => void): Promise<void> {
  const { route, response } = call;
  if (route.handler.kind !== "server_streaming") throw new Error(`${route.procedure.path} is not a stream`);
  const { input, context, finish } = await openCall(call);
  const iterator = route.handler.call(input, context)[Symbol.asyncIterator]();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  try {
    let next = iterator.next();
    // A request the procedure refuses at once (a bad position, a patient
    // naming another) fails within the current turn: answer it as JSON.
    const early = await Promise.race([next.then(() => true, () => true), new Promise<false>((resolve) => setImmediate(() => resolve(false)))]);
    if (early) {
      try {
        await next;
      } catch (error) {
        fail(errorResponse(error));
        return;
      }
    }
    response.statusCode = 200;
    response.setHeader("content-type", "text/event-stream; charset=utf-8");
    response.setHeader("cache-control", "no-cache");
    // nginx buffers responses unless told not to.
    response.setHeader("x-accel-buffering", "no");
    // The headers go out now, not with the first event, which may be long in
    // coming: HTTP/1.1 holds them until the first write, so a comment follows.
    response.writeHead(200);
    write(response, ": watching\n\n");
    keepAlive = setInterval(() => write(response, ": keep-alive\n\n"), keepAliveMs);
    keepAlive.unref();
    try {
      for (;;) {
        const { done, value } = await next;
        if (done) break;
        const message = create(route.output, value);
        const data = renderResponse(route.output, message, route.responseBodyField) as JsonObject;
        const id = typeof data["position"] === "string" ? `id: ${data["position"]}\n` : "";
        if (!write(response, `${id}data: ${JSON.stringify(data)}\n\n`)) await drained(response);
        if (context.signal.aborted) break;
        next = iterator.next();
      }
    } catch (error) {
      const { body } = errorResponse(error);
      const resumeAfter = toConnectError(error).metadata.get(resumeAfterHeader);
      write(response, `event: error\ndata: ${JSON.stringify({ ...body, ...(resumeAfter === null ? {} : { resume_after: resumeAfter }) })}\n\n`);
    }
    response.end();
  } finally {
    clearInterval(keepAlive);
    finish();
    await iterator.return?.();
  }
}

function write(response: NodeResponse, text: string): boolean {
  if (response.destroyed || response.writableEnded) return true;
  // Both Node response types write a string; their overloads differ only in callbacks.
  return (response as { write(chunk: string): boolean }).write(text);
}

function drained(response: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.once("drain", done);
    response.once("close", done);
  });
}
