import http from "node:http";
import https from "node:https";
import { SchedError } from "../../core/errors.js";
import { networkErrorWords } from "../network-error-words.js";

/**
 * Asks every server for /health/live before the run, so that a wrong URL is
 * one clear line rather than a report of nothing but errors.
 */
export async function requireServers(urls: string[], ca?: Buffer): Promise<void> {
  await Promise.all(urls.map((url) => requireServer(url, ca)));
}

function requireServer(url: string, ca: Buffer | undefined): Promise<void> {
  const transport = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.get(`${url}/health/live`, { agent: false, timeout: 5_000, ...(ca === undefined ? {} : { ca }) }, (response) => {
      response.resume();
      if (response.statusCode === 200) resolve();
      else reject(new SchedError("failed", `${url} is not a sched server: /health/live answered ${response.statusCode}`));
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    request.on("error", (error: NodeJS.ErrnoException) => {
      reject(new SchedError("failed", `cannot reach ${url}: ${networkErrorWords[error.code ?? ""] ?? error.message}`));
    });
  });
}
