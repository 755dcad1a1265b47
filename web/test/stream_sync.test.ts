import { describe, expect, it } from "vitest";
import { SwarmStore } from "../src/core/store";
import { StreamSync, type SyncPhase } from "../src/core/stream_sync";
import type { Snapshot } from "../src/core/types";
import { FakeClock, flush, snapshot, spawned, stateChange } from "./helpers";

/** A snapshot source whose answers the test releases one by one. */
function deferredSnapshots() {
  const waiting: Array<{ resolve: (s: Snapshot) => void; reject: (e: Error) => void }> = [];
  return {
    waiting,
    fetch: () => new Promise<Snapshot>((resolve, reject) => waiting.push({ resolve, reject })),
  };
}

function setup() {
  const store = new SwarmStore();
  const clock = new FakeClock();
  const snaps = deferredSnapshots();
  const phases: SyncPhase[] = [];
  const sync = new StreamSync(store, { fetchSnapshot: snaps.fetch, schedule: clock.schedule, onPhase: (p) => phases.push(p) });
  return { store, clock, snaps, sync, phases };
}

describe("StreamSync", () => {
  it("holds events while the snapshot loads and applies those after it", async () => {
    const { store, snaps, sync } = setup();
    sync.subscribed();
    sync.event(spawned(11, 2));
    sync.event(spawned(12, 3));
    sync.event(stateChange(13, 1, "BUSY"));
    expect(store.agentCount()).toBe(0);
    // The snapshot already reflects seq 11 and 12.
    snaps.waiting[0].resolve(snapshot(12, [1, 2, 3]));
    await flush();
    expect(sync.phase).toBe("live");
    expect(store.lastSeq).toBe(13);
    expect(store.agents.get(1)?.state).toBe("BUSY");
    expect(store.log.toArray().map((e) => e.seq)).toEqual([13]);
  });

  it("reloads on a sequence gap and misses nothing", async () => {
    const { store, snaps, sync } = setup();
    sync.subscribed();
    snaps.waiting[0].resolve(snapshot(10, [1]));
    await flush();
    sync.event(spawned(11, 2));
    sync.event(spawned(14, 5));
    expect(sync.phase).toBe("loading");
    sync.event(spawned(15, 6));
    // The server's snapshot covers 12..14.
    snaps.waiting[1].resolve(snapshot(14, [1, 2, 3, 4, 5]));
    await flush();
    expect(sync.phase).toBe("live");
    expect([...store.agents.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.lastSeq).toBe(15);
    expect(sync.reloads).toBe(2);
  });

  it("reloads on a resync message", async () => {
    const { snaps, sync } = setup();
    sync.subscribed();
    snaps.waiting[0].resolve(snapshot(10, [1]));
    await flush();
    sync.resync();
    expect(sync.phase).toBe("loading");
    expect(snaps.waiting).toHaveLength(2);
  });

  it("retries a failed snapshot after a delay", async () => {
    const { store, clock, snaps, sync, phases } = setup();
    sync.subscribed();
    snaps.waiting[0].reject(new Error("HTTP 504"));
    await flush();
    expect(sync.phase).toBe("failed");
    expect(sync.lastError).toBe("HTTP 504");
    clock.advance(999);
    expect(snaps.waiting).toHaveLength(1);
    clock.advance(1);
    expect(snaps.waiting).toHaveLength(2);
    snaps.waiting[1].resolve(snapshot(3, [1]));
    await flush();
    expect(store.agentCount()).toBe(1);
    expect(phases).toEqual(["loading", "failed", "loading", "live"]);
  });

  it("drops the snapshot of a connection that is gone", async () => {
    const { store, snaps, sync } = setup();
    sync.subscribed();
    sync.reset();
    snaps.waiting[0].resolve(snapshot(3, [1]));
    await flush();
    expect(store.agentCount()).toBe(0);
    expect(sync.phase).toBe("idle");
  });

  it("a resync during a load loads again when the events held since show a gap", async () => {
    const { snaps, sync } = setup();
    sync.subscribed();
    sync.resync();
    sync.event(spawned(5, 2));
    sync.event(spawned(7, 3));
    expect(snaps.waiting).toHaveLength(1);
    // The snapshot ends at 4: 6 was lost after it.
    snaps.waiting[0].resolve(snapshot(4, [1]));
    await flush();
    expect(snaps.waiting).toHaveLength(2);
    expect(sync.resyncs).toBe(1);
  });

  it("a resync during a load needs no second load when nothing after the snapshot is missing", async () => {
    const { store, snaps, sync } = setup();
    sync.subscribed();
    sync.resync();
    sync.event(spawned(5, 2));
    sync.event(spawned(6, 3));
    // The events dropped before the resync are all in the snapshot (seq 4).
    snaps.waiting[0].resolve(snapshot(4, [1]));
    await flush();
    expect(snaps.waiting).toHaveLength(1);
    expect(sync.phase).toBe("live");
    expect(store.lastSeq).toBe(6);
    // A loss after the snapshot that no held event showed is still caught live.
    sync.event(spawned(8, 5));
    expect(snaps.waiting).toHaveLength(2);
  });

  it("a resync during a load loads again when gaps cannot be seen", async () => {
    const { store, snaps, sync } = setup();
    sync.subscribed();
    store.maxAgents = 1;
    sync.resync();
    snaps.waiting[0].resolve(snapshot(4, [1]));
    await flush();
    expect(snaps.waiting).toHaveLength(2);
  });
});
