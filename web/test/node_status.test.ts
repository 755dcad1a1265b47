import { describe, expect, it } from "vitest";
import { storeOutageLine } from "../src/core/node_status";
import { SwarmStore } from "../src/core/store";
import { nodesLine } from "../src/ui/system_panel";
import type { StreamEvent } from "../src/core/types";
import { snapshot } from "./helpers";

function storeEvent(seq: number, store: string, connected: boolean, buffered: number, reason: string): StreamEvent {
  return { seq, time: 5000 + seq, type: "node.store", data: { store, connected, buffered, reason } };
}

describe("node events", () => {
  it("a store outage shows until the store reconnects", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(10, [1]));
    expect(storeOutageLine(s.stores)).toBe("");
    expect(s.applyEvent(storeEvent(11, "redis", false, 12, "Connection refused"))).toBe("applied");
    expect(s.stores.get("redis")).toEqual({ connected: false, buffered: 12, reason: "Connection refused", since: 5011 });
    expect(storeOutageLine(s.stores)).toBe("redis unavailable (Connection refused), 12 writes buffered");
    s.applyEvent(storeEvent(12, "postgres", false, 3, ""));
    expect(storeOutageLine(s.stores)).toBe("redis unavailable (Connection refused), 12 writes buffered; postgres unavailable, 3 writes buffered");
    s.applyEvent(storeEvent(13, "redis", true, 40, "reconnected"));
    s.applyEvent(storeEvent(14, "postgres", true, 3, "reconnected"));
    expect(storeOutageLine(s.stores)).toBe("");
    expect(s.log.toArray().map((e) => e.text)).toEqual([
      "store redis unavailable: Connection refused (12 writes buffered)",
      "store postgres unavailable (3 writes buffered)",
      "store redis reconnected (40 writes buffered)",
      "store postgres reconnected (3 writes buffered)",
    ]);
  });

  it("node.stopping is logged", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, []));
    s.applyEvent({ seq: 2, time: 1, type: "node.stopping", data: { reason: "shutdown" } });
    expect(s.log.toArray().map((e) => e.text)).toEqual(["node stopping (shutdown): reconnecting"]);
  });

  it("nodes joining and leaving the cluster are logged", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, []));
    s.applyEvent({ seq: 2, time: 1, type: "node.joined", data: { node: "b", address: "10.0.0.2:4242" } });
    s.applyEvent({ seq: 3, time: 2, type: "node.left", data: { node: "b", address: "10.0.0.2:4242", reason: "connection_closed" } });
    expect(s.log.toArray().map((e) => e.text)).toEqual([
      "node b joined (10.0.0.2:4242)",
      "node b left (10.0.0.2:4242): connection_closed",
    ]);
  });

  it("the system panel counts the nodes that are up", () => {
    expect(nodesLine(undefined)).toBe("1");
    expect(nodesLine([{ name: "a", state: "up" }, { name: "b", state: "up" }])).toBe("2");
    expect(nodesLine([{ name: "a", state: "up" }, { name: "b", state: "unreachable" }])).toBe("1 of 2 up");
  });
});
