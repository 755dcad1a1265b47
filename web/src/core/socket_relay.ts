// The stream read off the page's main thread. A worker owns the WebSocket
// and reads it as fast as it comes, so the server never sees this viewer
// fall behind while the page draws a slow frame (its outbox holds only
// 1,024 events; docs/protocol.md). The page gets what arrived meanwhile as
// one batch and asks for the next when it has applied it, so at most one
// batch is in flight. What waits in the worker is bounded: beyond the
// limits it is dropped and replaced by a `resync`, as the server does.

/** What the worker tells the page. */
export type RelayMessage =
  | { kind: "open" }
  /** `since`: when the first of `messages` was read (ms since the epoch). */
  | { kind: "batch"; messages: Array<string | ArrayBuffer>; since: number }
  | { kind: "close"; code: number; reason: string };

/** What the page tells the worker. */
export type RelayCommand =
  | { kind: "connect"; url: string }
  | { kind: "send"; data: string }
  | { kind: "close"; code?: number; reason?: string }
  | { kind: "ack" };

export interface RelayLimits {
  /** Messages waiting for the page, at most. */
  messages: number;
  /** Their bytes (strings counted as UTF-16 code units), at most. */
  bytes: number;
}

/** About 10 s of a 5,000-agent swarm's events and frames. */
export const DEFAULT_LIMITS: RelayLimits = { messages: 50_000, bytes: 64 * 1024 * 1024 };

/** The message that makes the page rebuild from a snapshot. */
export const RESYNC = JSON.stringify({ type: "resync" });

export class SocketRelay {
  /** Times the waiting messages were dropped for a resync. */
  overflows = 0;
  private queue: Array<string | ArrayBuffer> = [];
  private bytes = 0;
  private inFlight = false;
  private closing: { code: number; reason: string } | null = null;
  private since = 0;

  constructor(
    private readonly post: (msg: RelayMessage, transfer: ArrayBuffer[]) => void,
    private readonly limits: RelayLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  opened(): void {
    this.post({ kind: "open" }, []);
  }

  received(data: string | ArrayBuffer): void {
    if (this.queue.length === 0) this.since = this.now();
    this.queue.push(data);
    this.bytes += typeof data === "string" ? data.length * 2 : data.byteLength;
    if (this.queue.length > this.limits.messages || this.bytes > this.limits.bytes) {
      // Positions are absolute and healed by the next keyframe; the events
      // come back with the snapshot the resync loads.
      this.overflows++;
      this.queue = [RESYNC];
      this.bytes = RESYNC.length * 2;
    }
    this.flush();
  }

  /** The socket closed: the page gets what is still waiting, then the close. */
  closed(code: number, reason: string): void {
    this.closing = { code, reason };
    this.flush();
  }

  /** The page applied the last batch. */
  ack(): void {
    this.inFlight = false;
    this.flush();
  }

  private flush(): void {
    if (this.inFlight) return;
    if (this.queue.length > 0) {
      const messages = this.queue;
      this.queue = [];
      this.bytes = 0;
      this.inFlight = true;
      this.post({ kind: "batch", messages, since: this.since }, messages.filter((m): m is ArrayBuffer => typeof m !== "string"));
      return;
    }
    if (this.closing) {
      this.post({ kind: "close", ...this.closing }, []);
      this.closing = null;
    }
  }
}
