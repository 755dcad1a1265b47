// The page's side of the worker that reads the stream (socket_relay.ts):
// a SocketLike, so Connection does not care which side reads the socket.

import type { SocketLike } from "./connection";
import type { RelayCommand, RelayMessage } from "./socket_relay";

/** The part of a browser Worker this module uses. */
export interface WorkerLike {
  onmessage: ((ev: MessageEvent<RelayMessage>) => void) | null;
  postMessage(cmd: RelayCommand): void;
  terminate(): void;
}

export class RelayedSocket implements SocketLike {
  /** The worker always reads binary messages as ArrayBuffers. */
  binaryType = "arraybuffer";
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** Batches applied, and the messages in them. */
  batches = 0;
  messages = 0;
  /**
   * The longest a message waited in the worker for the page: how long the
   * page was busy while the worker went on reading.
   */
  longestWaitMs = 0;
  /** Time the page spent handing messages on (performance.now() ms). */
  applyMs = 0;

  constructor(url: string, private readonly worker: WorkerLike, private readonly now: () => number = Date.now) {
    worker.onmessage = (ev) => this.receive(ev.data);
    worker.postMessage({ kind: "connect", url });
  }

  send(data: string): void {
    this.worker.postMessage({ kind: "send", data });
  }

  close(code?: number, reason?: string): void {
    this.worker.postMessage({ kind: "close", code, reason });
  }

  private receive(msg: RelayMessage): void {
    switch (msg.kind) {
      case "open":
        this.onopen?.({});
        break;
      case "batch":
        this.batches++;
        this.messages += msg.messages.length;
        this.longestWaitMs = Math.max(this.longestWaitMs, this.now() - msg.since);
        const t0 = performance.now();
        for (const data of msg.messages) this.onmessage?.({ data });
        this.applyMs += performance.now() - t0;
        this.worker.postMessage({ kind: "ack" });
        break;
      case "close":
        this.worker.onmessage = null;
        this.worker.terminate();
        this.onclose?.({ code: msg.code, reason: msg.reason });
        break;
    }
  }
}
