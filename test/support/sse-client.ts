import { eventually } from "./eventually.js";

/** One Server-Sent Events message as a client parses it. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  /** The JSON body of an answer that was not a stream. */
  body: any;
  messages: SseMessage[];
  /** Resolves once the server ended the stream. */
  ended: Promise<void>;
  /** Waits until at least `count` messages arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
}

/** Opens `GET url` as an EventSource would and parses its messages, written by hand so that the test shares no code with the server. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return { status: response.status, body: await response.json(), messages, ended: Promise.resolve(), waitFor: () => Promise.resolve(messages), close: () => abort.abort() };
  }
  const ended = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const message: SseMessage = { id: undefined, event: "message", data: undefined };
          let data: string | undefined;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, "");
            if (field === "id") message.id = value;
            else if (field === "event") message.event = value;
            else if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
          }
          if (data === undefined) continue;
          message.data = JSON.parse(data);
          messages.push(message);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    status: response.status,
    body: undefined,
    messages,
    ended,
    async waitFor(count, timeoutMs = 10_000) {
      await eventually(async () => (messages.length >= count ? true : undefined), timeoutMs, `${count} messages (${messages.length} arrived: ${JSON.stringify(messages.map((m) => m.data?.event_type ?? m.data))})`);
      return messages;
    },
    close: () => abort.abort(),
  };
}
