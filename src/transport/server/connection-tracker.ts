import type { Http2Session } from "node:http2";
import type { Socket } from "node:net";

/** Every open connection and HTTP/2 session, so that shutdown can drain them. */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  private readonly waiting = new Set<() => void>();

  addSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) for (const resolve of this.waiting) resolve();
    });
  }

  addSession(session: Http2Session): void {
    this.sessions.add(session);
    session.once("close", () => this.sessions.delete(session));
  }

  /** Sends GOAWAY on every HTTP/2 session: streams under way finish, new ones are refused. */
  closeSessions(): void {
    for (const session of this.sessions) if (!session.closed) session.close();
  }

  /** Resolves true once every connection is closed, or false when the time is up. */
  allClosed(withinMs: number): Promise<boolean> {
    if (this.sockets.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (closed: boolean): void => {
        clearTimeout(timer);
        this.waiting.delete(onEmpty);
        resolve(closed);
      };
      const onEmpty = (): void => done(true);
      const timer = setTimeout(() => done(false), withinMs);
      this.waiting.add(onEmpty);
    });
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
