import { describe, expect, it, vi } from "vitest";
import { RelayedSocket, type WorkerLike } from "../src/core/relayed_socket";
import { RESYNC, type RelayCommand, type RelayMessage, SocketRelay } from "../src/core/socket_relay";

function relay(limits = { messages: 100, bytes: 1 << 20 }) {
  const posted: Array<{ msg: RelayMessage; transfer: ArrayBuffer[] }> = [];
  const clock = { t: 1000 };
  const r = new SocketRelay((msg, transfer) => posted.push({ msg, transfer }), limits, () => clock.t);
  return { r, posted, clock };
}

const batch = (m: RelayMessage) => (m.kind === "batch" ? m.messages : null);

describe("SocketRelay", () => {
  it("sends what arrived while a batch was out as one batch, in order", () => {
    const { r, posted, clock } = relay();
    r.opened();
    r.received("a");
    clock.t = 1200;
    const frame = new ArrayBuffer(8);
    r.received(frame);
    clock.t = 1300;
    r.received("b");
    expect(posted.map((p) => p.msg.kind)).toEqual(["open", "batch"]);
    expect(batch(posted[1].msg)).toEqual(["a"]);
    expect(posted[1].msg).toMatchObject({ since: 1000 });
    r.ack();
    expect(batch(posted[2].msg)).toEqual([frame, "b"]);
    // Read at 1200, while the first batch was with the page.
    expect(posted[2].msg).toMatchObject({ since: 1200 });
    expect(posted[2].transfer).toEqual([frame]);
    r.ack();
    expect(posted).toHaveLength(3);
  });

  it("replaces what waits with a resync beyond its limits", () => {
    const { r, posted } = relay({ messages: 3, bytes: 1 << 20 });
    r.received("0");
    for (const m of ["1", "2", "3", "4"]) r.received(m);
    expect(r.overflows).toBe(1);
    r.received("5");
    r.ack();
    expect(batch(posted[1].msg)).toEqual([RESYNC, "5"]);
    const bytes = relay({ messages: 100, bytes: 1000 });
    bytes.r.received("x");
    bytes.r.received(new ArrayBuffer(1001));
    expect(bytes.r.overflows).toBe(1);
  });

  it("hands over what waits before the close", () => {
    const { r, posted } = relay();
    r.received("a");
    r.received("b");
    r.closed(1001, "going away");
    expect(posted.map((p) => p.msg.kind)).toEqual(["batch"]);
    r.ack();
    r.ack();
    expect(posted.map((p) => p.msg)).toEqual([
      { kind: "batch", messages: ["a"], since: 1000 },
      { kind: "batch", messages: ["b"], since: 1000 },
      { kind: "close", code: 1001, reason: "going away" },
    ]);
  });
});

class FakeWorker implements WorkerLike {
  onmessage: WorkerLike["onmessage"] = null;
  commands: RelayCommand[] = [];
  terminated = false;
  postMessage(cmd: RelayCommand) { this.commands.push(cmd); }
  terminate() { this.terminated = true; }
  tell(msg: RelayMessage) { this.onmessage?.({ data: msg } as MessageEvent<RelayMessage>); }
}

describe("RelayedSocket", () => {
  it("is a socket whose reading happens in the worker", () => {
    const w = new FakeWorker();
    const s = new RelayedSocket("ws://127.0.0.1:1/ws", w, () => 5000);
    const got: unknown[] = [];
    let opened = 0;
    let closed: { code: number; reason: string } | null = null;
    s.onopen = () => opened++;
    s.onmessage = (ev) => got.push(ev.data);
    s.onclose = (ev) => { closed = ev; };
    expect(w.commands).toEqual([{ kind: "connect", url: "ws://127.0.0.1:1/ws" }]);
    w.tell({ kind: "open" });
    expect(opened).toBe(1);
    s.send('{"type":"subscribe"}');
    w.tell({ kind: "batch", messages: ["e1", "e2"], since: 3500 });
    expect(got).toEqual(["e1", "e2"]);
    expect(s.longestWaitMs).toBe(1500);
    // Applied: the worker may send the next batch.
    expect(w.commands.slice(1)).toEqual([{ kind: "send", data: '{"type":"subscribe"}' }, { kind: "ack" }]);
    s.close(1000, "viewer left");
    expect(w.commands[3]).toEqual({ kind: "close", code: 1000, reason: "viewer left" });
    w.tell({ kind: "close", code: 1000, reason: "viewer left" });
    expect(closed).toEqual({ code: 1000, reason: "viewer left" });
    expect(w.terminated).toBe(true);
  });

  it("counts the time the page spends handing batches on", () => {
    const w = new FakeWorker();
    const s = new RelayedSocket("ws://127.0.0.1:1/ws", w, () => 5000);
    let t = 100;
    const clock = vi.spyOn(performance, "now").mockImplementation(() => t);
    try {
      s.onmessage = () => { t += 3; };
      w.tell({ kind: "batch", messages: ["e1", "e2"], since: 5000 });
      expect(s.applyMs).toBe(6);
      t += 50; // between batches: not the page's stream work
      w.tell({ kind: "batch", messages: ["e3"], since: 5000 });
      expect(s.applyMs).toBe(9);
    } finally {
      clock.mockRestore();
    }
  });
});
