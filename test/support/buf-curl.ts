import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const buf = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

export interface BufCurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `buf curl` over gRPC with HTTP/2 prior knowledge and no schema, so that
 * everything it knows about the server comes from server reflection.
 */
export function bufCurl(args: string[]): Promise<BufCurlResult> {
  return new Promise((resolve) => {
    execFile(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
