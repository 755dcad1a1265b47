// Keeps the store in step with the event stream (docs/protocol.md,
// "Reconnecting"): after subscribing, or on a `resync` or a sequence gap,
// load /api/snapshot, apply it, then the events that arrived meanwhile with
// a larger seq than the snapshot's. Events are held while a snapshot loads,
// so nothing between the subscription and the snapshot is lost.

import type { SwarmStore } from "./store";
import type { Snapshot, StreamEvent } from "./types";

export type SyncPhase = "idle" | "loading" | "live" | "failed";

export interface SyncHooks {
  fetchSnapshot(): Promise<Snapshot>;
  /** Runs `fn` after `ms`; tests pass a fake clock. */
  schedule(fn: () => void, ms: number): void;
  onPhase?(phase: SyncPhase, detail: string): void;
}

const RETRY_MS = 1_000;

export class StreamSync {
  phase: SyncPhase = "idle";
  reloads = 0;
  /** `resync` messages received, whether or not they started a load. */
  resyncs = 0;
  lastError = "";
  private held: StreamEvent[] = [];
  private again = false;
  /** Bumped by `reset`, so that a snapshot of an old connection is dropped. */
  private epoch = 0;

  constructor(private readonly store: SwarmStore, private readonly hooks: SyncHooks) {}

  /** A new connection: forget what was held for the old one. */
  reset(): void {
    this.epoch++;
    this.held = [];
    this.again = false;
    this.setPhase("idle", "");
  }

  /** The subscription is confirmed: rebuild from a snapshot. */
  subscribed(): void {
    void this.reload("subscribed");
  }

  /**
   * The same subscription sent again (another frame rate): its `subscribed`
   * came in order with the events, after every event up to `seq`. Nothing
   * is missing when the page has applied exactly those; otherwise, or when
   * gaps cannot be seen (hidden agents), rebuild.
   */
  resubscribed(seq: number): void {
    if (this.phase !== "live") return;
    if (this.store.lastSeq === seq && this.store.expectsEveryEvent()) return;
    void this.reload(`resubscribed at seq ${seq}`);
  }

  /** The server dropped queued events for this viewer. */
  resync(): void {
    this.resyncs++;
    void this.reload("resync");
  }

  event(ev: StreamEvent): void {
    if (this.phase !== "live") {
      this.held.push(ev);
      return;
    }
    if (this.store.applyEvent(ev) === "gap") {
      this.held.push(ev);
      void this.reload(`gap after seq ${this.store.lastSeq}`);
    }
  }

  async reload(reason: string): Promise<void> {
    if (this.phase === "loading") {
      this.again = true;
      return;
    }
    const epoch = this.epoch;
    this.reloads++;
    this.setPhase("loading", reason);
    let snap: Snapshot;
    try {
      snap = await this.hooks.fetchSnapshot();
    } catch (e) {
      if (epoch !== this.epoch) return;
      this.lastError = e instanceof Error ? e.message : String(e);
      this.setPhase("failed", this.lastError);
      this.hooks.schedule(() => {
        if (epoch === this.epoch && this.phase === "failed") void this.reload("retry");
      }, RETRY_MS);
      return;
    }
    if (epoch !== this.epoch) return;
    this.store.applySnapshot(snap);
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    // Held events passed the server in order after the subscription; a gap
    // among them cannot be healed by this snapshot, so apply them as they
    // are, noting whether there was one.
    let gap = false;
    for (const ev of held) {
      if (this.store.applyEvent(ev) !== "gap") continue;
      gap = true;
      this.store.applyEvent(ev, false);
    }
    this.setPhase("live", reason);
    if (this.again) {
      this.again = false;
      // A resync during the load lost events; if they all came before the
      // snapshot, the events held since follow it without a gap and
      // nothing is missing (a later gap still shows live). Without gap
      // checks (hidden agents) that cannot be told, so load again.
      if (gap || !this.store.expectsEveryEvent()) void this.reload("again");
    }
  }

  private setPhase(phase: SyncPhase, detail: string): void {
    this.phase = phase;
    this.hooks.onPhase?.(phase, detail);
  }
}
