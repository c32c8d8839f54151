/** A call to the sched server failed; `url` is the server as the operator named it. */
export class ServerCallError extends Error {
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "ServerCallError";
  }
}
