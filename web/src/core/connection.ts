// One WebSocket to the node's event stream, reopened with backoff when it
// drops. Text messages are JSON (events and control messages), binary ones
// position frames.

import { Backoff } from "./backoff";
import type { FrameFormat } from "./frame_decoder";
import type { SwarmStore } from "./store";
import type { StreamSync } from "./stream_sync";
import type { StreamEvent } from "./types";

/** The part of the browser's WebSocket this module uses. */
export interface SocketLike {
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type LinkState = "connecting" | "open" | "reconnecting" | "stopped";

export interface ConnectionOptions {
  store: SwarmStore;
  sync: StreamSync;
  /** Where to connect; may ask the server (see stream_url.ts). */
  url(): Promise<string>;
  createSocket(url: string): SocketLike;
  schedule(fn: () => void, ms: number): void;
  now(): number;
  backoff?: Backoff;
  onState?(state: LinkState, detail: string): void;
  /** Fields added to `subscribe` (e.g. a token). */
  subscription?(): Record<string, unknown>;
}

export interface ServerHello {
  protocol?: number;
  maxVisibleAgents?: number;
  maxFps?: number;
}

export class Connection {
  state: LinkState = "stopped";
  detail = "";
  /** Opened sockets over the page's life. */
  connects = 0;
  badMessages = 0;
  hello: ServerHello = {};
  /** Delay of the pending reconnect, ms (for the indicator). */
  retryInMs = 0;
  /** Position frames a second the server sends this page; 0 until subscribed. */
  fps = 0;
  private socket: SocketLike | null = null;
  /** Frames a second to ask for; 0 asks for the server's own rate. */
  private wantedFps = 0;
  /** The `fps` of the last `subscribe` sent; 0 when it named none. */
  private sentFps = 0;
  /** Re-subscriptions sent whose `subscribed` has not come back yet. */
  private resubscribing = 0;
  private generation = 0;
  private readonly backoff: Backoff;

  constructor(private readonly opts: ConnectionOptions) {
    this.backoff = opts.backoff ?? new Backoff();
  }

  start(): void {
    if (this.state !== "stopped") return;
    void this.open();
  }

  stop(): void {
    this.generation++;
    this.setState("stopped", "");
    const s = this.socket;
    this.socket = null;
    s?.close(1000, "viewer left");
  }

  /**
   * Asks the server for `fps` position frames a second (at most its own
   * rate). Sent again on an open subscription, which keeps the picture: the
   * events go on where they were (stream_sync.ts, `resubscribed`).
   */
  setFrameRate(fps: number): void {
    const max = this.hello.maxFps ?? Number.POSITIVE_INFINITY;
    this.wantedFps = Math.min(Math.max(1, Math.round(fps)), max);
    this.resubscribeIfNeeded();
  }

  /** Subscribes again when the rate last asked for is not the one wanted. */
  private resubscribeIfNeeded(): void {
    // Before `subscribed` the answer will tell; one re-subscription at a time.
    if (this.state !== "open" || this.fps === 0 || this.resubscribing > 0) return;
    if (this.wantedFps === 0 || this.wantedFps === (this.sentFps || this.fps)) return;
    this.resubscribing++;
    this.subscribe();
  }

  /** Sends a JSON message when the socket is open; returns whether it did. */
  send(msg: Record<string, unknown>): boolean {
    if (this.state !== "open" || !this.socket) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  private async open(): Promise<void> {
    const gen = ++this.generation;
    this.setState(this.connects === 0 ? "connecting" : "reconnecting", "opening");
    let url: string;
    try {
      url = await this.opts.url();
    } catch (e) {
      if (gen === this.generation) this.retry(`cannot reach the server: ${e instanceof Error ? e.message : e}`);
      return;
    }
    if (gen !== this.generation) return;
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(url);
    } catch (e) {
      this.retry(`cannot open ${url}: ${e instanceof Error ? e.message : e}`);
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    let opened = false;
    socket.onopen = () => {
      if (gen !== this.generation) return;
      opened = true;
      this.connects++;
      this.fps = 0;
      this.resubscribing = 0;
      this.opts.sync.reset();
      this.setState("open", url);
    };
    socket.onmessage = (msg) => {
      if (gen === this.generation) this.receive(msg.data);
    };
    socket.onerror = () => {
      // A close event follows; it decides what happens next.
    };
    socket.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.socket = null;
      // A browser does not say why an upgrade failed; name the usual causes.
      if (!opened) this.retry(`cannot open ${url}: is WS_PORT reachable, and this page's origin in ALLOWED_ORIGINS?`);
      else this.retry(`closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ""})`);
    };
  }

  private retry(why: string): void {
    if (this.state === "stopped") return;
    const gen = ++this.generation;
    this.retryInMs = this.backoff.next();
    this.setState("reconnecting", why);
    this.opts.schedule(() => {
      if (gen === this.generation) void this.open();
    }, this.retryInMs);
  }

  private receive(data: unknown): void {
    const { store } = this.opts;
    if (data instanceof ArrayBuffer) {
      const err = store.applyFrame(data, this.opts.now());
      // Counted in the system panel; the first few and every 100th logged.
      if (err && (store.badFrames <= 5 || store.badFrames % 100 === 0))
        console.warn(`bad position frame (${err}, ${data.byteLength} bytes); ${store.badFrames} so far`);
      return;
    }
    if (typeof data !== "string") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.badMessages++;
      return;
    }
    // Events that piled up on the server come as one array, in order.
    if (Array.isArray(parsed)) {
      for (const x of parsed) this.receiveObject(x);
      return;
    }
    this.receiveObject(parsed);
  }

  private receiveObject(parsed: unknown): void {
    const { store, sync } = this.opts;
    const msg = parsed as Record<string, unknown>;
    if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
      this.badMessages++;
      return;
    }
    if (typeof msg.seq === "number" && typeof msg.data === "object" && typeof msg.type === "string" && msg.type.includes(".")) {
      sync.event(msg as unknown as StreamEvent);
      return;
    }
    switch (msg.type) {
      case "hello":
        this.hello = msg as ServerHello;
        this.subscribe();
        break;
      case "subscribed": {
        store.maxAgents = typeof msg.maxAgents === "number" ? msg.maxAgents : Number.POSITIVE_INFINITY;
        this.fps = typeof msg.fps === "number" ? msg.fps : (this.hello.maxFps ?? 60);
        // A new position blends in over 1.5 frame intervals.
        store.positions.blendMs = Math.max(16, 1000 / this.fps) * 1.5;
        this.backoff.reset();
        const seq = typeof msg.seq === "number" ? msg.seq : -1;
        if (this.resubscribing > 0) {
          this.resubscribing--;
          sync.resubscribed(seq);
        } else {
          sync.subscribed();
        }
        this.resubscribeIfNeeded();
        break;
      }
      case "resync":
        sync.resync();
        break;
      case "error":
        this.badMessages++;
        this.detail = `server: ${String(msg.message ?? msg.code)}`;
        this.opts.onState?.(this.state, this.detail);
        break;
      default:
        break;
    }
  }

  private subscribe(): void {
    const maxAgents = this.hello.maxVisibleAgents;
    // Quantized frames: 16 bytes an agent instead of 28, a step far below
    // what a pixel shows (docs/protocol.md).
    const format: FrameFormat = "quantized";
    this.sentFps = this.wantedFps;
    const fps = this.wantedFps ? { fps: this.wantedFps } : {};
    this.send({ type: "subscribe", format, ...(maxAgents ? { maxAgents } : {}), ...fps, ...this.opts.subscription?.() });
  }

  private setState(state: LinkState, detail: string): void {
    this.state = state;
    this.detail = detail;
    this.opts.onState?.(state, detail);
  }
}
