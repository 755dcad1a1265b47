import { describe, expect, it, vi } from "vitest";
import { Backoff } from "../src/core/backoff";
import { Connection, type LinkState, type SocketLike } from "../src/core/connection";
import { encodeFrame } from "../src/core/frame_decoder";
import { SwarmStore } from "../src/core/store";
import { StreamSync } from "../src/core/stream_sync";
import type { Snapshot } from "../src/core/types";
import { FakeClock, flush, snapshot, spawned } from "./helpers";

class FakeSocket implements SocketLike {
  binaryType = "blob";
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  sent: Array<Record<string, unknown>> = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string) { this.sent.push(JSON.parse(data)); }
  close() { this.closed = true; }
  // Test side: what the server does.
  open() { this.onopen?.({}); }
  json(x: unknown) { this.onmessage?.({ data: JSON.stringify(x) }); }
  binary(b: ArrayBuffer) { this.onmessage?.({ data: b }); }
  drop(code = 1006) { this.onclose?.({ code, reason: "" }); }
}

function setup(snapshots: () => Promise<Snapshot>) {
  const clock = new FakeClock();
  const store = new SwarmStore();
  const sync = new StreamSync(store, { fetchSnapshot: snapshots, schedule: clock.schedule });
  const sockets: FakeSocket[] = [];
  const states: LinkState[] = [];
  let reachable = true;
  const conn = new Connection({
    store, sync, schedule: clock.schedule, now: () => clock.now,
    url: async () => { if (!reachable) throw new Error("fetch failed"); return "ws://127.0.0.1:1/ws"; },
    createSocket: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; },
    backoff: new Backoff(100, 1000, () => 0.5),
    onState: (s) => states.push(s),
    subscription: () => ({ token: "k" }),
  });
  return { clock, store, sync, sockets, states, conn, setReachable: (x: boolean) => { reachable = x; } };
}

describe("Connection", () => {
  it("subscribes after hello, then loads the snapshot and streams", async () => {
    const t = setup(async () => snapshot(5, [1, 2]));
    t.conn.start();
    await flush();
    const s = t.sockets[0];
    expect(s.binaryType).toBe("arraybuffer");
    s.open();
    s.json({ type: "hello", protocol: 1, seq: 5, maxVisibleAgents: 500, maxFps: 60 });
    expect(s.sent).toEqual([{ type: "subscribe", format: "quantized", maxAgents: 500, token: "k" }]);
    s.json({ type: "subscribed", seq: 5, maxAgents: 500 });
    await flush();
    expect(t.sync.phase).toBe("live");
    s.json(spawned(6, 3));
    s.binary(encodeFrame(1, 1, true, [1], [1, 2, 3]));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    s.binary(new ArrayBuffer(3));
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
    s.onmessage?.({ data: "{not json" });
    expect(t.store.agentCount()).toBe(3);
    expect(t.store.positions.has(1)).toBe(true);
    expect(t.store.badFrames).toBe(1);
    expect(t.conn.badMessages).toBe(1);
  });

  it("applies coalesced events (a JSON array) in order", async () => {
    const t = setup(async () => snapshot(5, [1, 2]));
    t.conn.start();
    await flush();
    const s = t.sockets[0];
    s.open();
    s.json({ type: "hello", protocol: 1, seq: 5, maxVisibleAgents: 500, maxFps: 60 });
    s.json({ type: "subscribed", seq: 5, maxAgents: 500 });
    await flush();
    s.json([spawned(6, 3), spawned(7, 4), spawned(8, 5)]);
    expect(t.store.agentCount()).toBe(5);
    expect(t.sync.phase).toBe("live");
    expect(t.conn.badMessages).toBe(0);
  });

  it("reconnects with growing delays and rebuilds from a snapshot", async () => {
    let seq = 5;
    let ids = [1, 2];
    const t = setup(async () => snapshot(seq, ids));
    t.conn.start();
    await flush();
    t.sockets[0].open();
    t.sockets[0].json({ type: "hello" });
    t.sockets[0].json({ type: "subscribed", seq: 5 });
    await flush();
    t.sockets[0].drop();
    expect(t.conn.state).toBe("reconnecting");
    expect(t.conn.retryInMs).toBe(100);
    // The server is down: each try fails and waits longer.
    t.setReachable(false);
    t.clock.advance(100);
    await flush();
    expect(t.conn.retryInMs).toBe(200);
    t.clock.advance(200);
    await flush();
    expect(t.conn.retryInMs).toBe(400);
    // Back, with changes made while the page was away.
    t.setReachable(true);
    seq = 9;
    ids = [2, 3, 4];
    t.clock.advance(400);
    await flush();
    const s = t.sockets[1];
    s.open();
    s.json({ type: "hello" });
    s.json({ type: "subscribed", seq: 9 });
    await flush();
    expect(t.conn.state).toBe("open");
    expect([...t.store.agents.keys()]).toEqual([2, 3, 4]);
    expect(t.states).toContain("reconnecting");
    // A fresh drop starts from the shortest delay again.
    s.drop();
    expect(t.conn.retryInMs).toBe(100);
  });

  it("names the likely causes when the stream cannot be opened", async () => {
    const t = setup(async () => snapshot(1, [1]));
    t.conn.start();
    await flush();
    t.sockets[0].drop();
    expect(t.conn.detail).toContain("ALLOWED_ORIGINS");
    t.clock.advance(t.conn.retryInMs);
    await flush();
    t.sockets[1].open();
    t.sockets[1].drop(1001);
    expect(t.conn.detail).toBe("closed (1001)");
  });

  it("ignores a socket it has given up on", async () => {
    const t = setup(async () => snapshot(1, [1]));
    t.conn.start();
    await flush();
    const old = t.sockets[0];
    t.conn.stop();
    expect(old.closed).toBe(true);
    old.drop();
    expect(t.conn.state).toBe("stopped");
    expect(t.clock.pending).toBe(0);
  });
  it("asks for another frame rate without reloading when no event is missing", async () => {
    let loads = 0;
    const t = setup(async () => { loads++; return snapshot(5, [1, 2]); });
    t.conn.start();
    await flush();
    const s = t.sockets[0];
    s.open();
    s.json({ type: "hello", protocol: 1, seq: 5, maxVisibleAgents: 500, maxFps: 60 });
    s.json({ type: "subscribed", seq: 5, maxAgents: 500, fps: 60 });
    await flush();
    expect(t.conn.fps).toBe(60);
    expect(t.store.positions.blendMs).toBe(25);
    s.json(spawned(6, 3));
    t.conn.setFrameRate(15.2);
    expect(s.sent[1]).toEqual({ type: "subscribe", format: "quantized", maxAgents: 500, fps: 15, token: "k" });
    // One re-subscription at a time; the same rate is not asked for twice.
    t.conn.setFrameRate(15);
    expect(s.sent).toHaveLength(2);
    s.json({ type: "subscribed", seq: 6, maxAgents: 500, fps: 15 });
    await flush();
    expect(t.conn.fps).toBe(15);
    expect(t.store.positions.blendMs).toBe(100);
    expect(loads).toBe(1);
    expect(t.sync.phase).toBe("live");
    // Events lost before the answer: the page rebuilds.
    t.conn.setFrameRate(60);
    s.json({ type: "subscribed", seq: 9, maxAgents: 500, fps: 60 });
    await flush();
    expect(loads).toBe(2);
    // The server's rate is the most that is asked for.
    t.conn.setFrameRate(100);
    expect(s.sent).toHaveLength(3);
  });

  it("a rate wanted before the subscription was confirmed is asked for after it", async () => {
    const t = setup(async () => snapshot(5, [1]));
    t.conn.start();
    await flush();
    const s = t.sockets[0];
    s.open();
    s.json({ type: "hello", protocol: 1, maxVisibleAgents: 500, maxFps: 60 });
    t.conn.setFrameRate(30);
    expect(s.sent).toHaveLength(1);
    s.json({ type: "subscribed", seq: 5, maxAgents: 500, fps: 60 });
    expect(s.sent[1]).toMatchObject({ type: "subscribe", fps: 30 });
    // The server may answer with another rate; it is not asked again.
    s.json({ type: "subscribed", seq: 5, maxAgents: 500, fps: 25 });
    expect(t.conn.fps).toBe(25);
    expect(s.sent).toHaveLength(2);
  });

  it("a new connection subscribes at the rate asked for last", async () => {
    const t = setup(async () => snapshot(5, [1]));
    t.conn.start();
    await flush();
    t.sockets[0].open();
    t.sockets[0].json({ type: "hello", protocol: 1, maxVisibleAgents: 500, maxFps: 60 });
    t.sockets[0].json({ type: "subscribed", seq: 5, maxAgents: 500, fps: 60 });
    await flush();
    t.conn.setFrameRate(20);
    t.sockets[0].drop();
    t.clock.advance(100);
    await flush();
    const s = t.sockets[1];
    s.open();
    expect(t.conn.fps).toBe(0);
    s.json({ type: "hello", protocol: 1, maxVisibleAgents: 500, maxFps: 60 });
    expect(s.sent).toEqual([{ type: "subscribe", format: "quantized", maxAgents: 500, fps: 20, token: "k" }]);
  });

});

describe("Backoff", () => {
  it("doubles up to the cap, with jitter inside ±20 %", () => {
    const b = new Backoff(100, 500, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 500, 500]);
    expect(new Backoff(100, 500, () => 0).next()).toBe(80);
    expect(new Backoff(100, 500, () => 0.999999).next()).toBe(120);
  });
});
