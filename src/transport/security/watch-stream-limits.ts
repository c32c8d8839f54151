export interface WatchStreamLimitsOptions {
  /** The most Watch streams open at once on one connection (HTTP/2 session). */
  perConnection: number;
  /** The most Watch streams open at once from one peer address, over all its connections. */
  perAddress: number;
}

export type WatchRefusal = "connection" | "address";

/**
 * Counts open long-lived streams (the health service's Watch, WatchEvents)
 * by connection and by peer address. Such a stream lives as long as its
 * client wants, so without a bound one client could hold thousands open on a
 * single connection.
 */
export class WatchStreamLimits {
  private readonly byConnection = new WeakMap<object, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: WatchStreamLimitsOptions) {}

  /** A release function for the stream, or which bound it would exceed. */
  open(connection: object | undefined, address: string): (() => void) | WatchRefusal {
    const onConnection = connection === undefined ? 0 : (this.byConnection.get(connection) ?? 0);
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (onConnection >= this.limits.perConnection) return "connection";
    if (fromAddress >= this.limits.perAddress) return "address";
    if (connection !== undefined) this.byConnection.set(connection, onConnection + 1);
    this.byAddress.set(address, fromAddress + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (connection !== undefined) this.byConnection.set(connection, (this.byConnection.get(connection) ?? 1) - 1);
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
  }
}
