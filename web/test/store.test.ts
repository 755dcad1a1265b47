import { describe, expect, it } from "vitest";
import { encodeFrame } from "../src/core/frame_decoder";
import { EDGE_TTL_MS, SwarmStore } from "../src/core/store";
import { agent, snapshot, spawned, stateChange } from "./helpers";

describe("SwarmStore", () => {
  it("builds agents and coordinations from a snapshot, leaving out ended agents", () => {
    const s = new SwarmStore();
    s.applySnapshot({
      seq: 10, time: 1, agents: [agent(1), agent(2, { state: "TERMINATED" }), agent(3, { state: "BUSY" })],
      coordinations: [{ id: "c1", pattern: "mesh", status: "ACTIVE", progress: 0.5, participants: [{ numId: 1, role: "peer" }, 3] }],
    });
    expect(s.agentCount()).toBe(2);
    expect(s.lastSeq).toBe(10);
    expect(s.coordinations.get("c1")?.participants).toEqual([1, 3]);
    expect(s.countByState()).toMatchObject({ IDLE: 1, BUSY: 1 });
  });

  it("a later snapshot drops agents it does not list", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2, 3]));
    s.positions.place(2, 1, 1, 1, 0, 0, 0);
    s.applySnapshot(snapshot(5, [1, 3]));
    expect([...s.agents.keys()]).toEqual([1, 3]);
    expect(s.positions.has(2)).toBe(false);
  });

  it("applies events in order, ignores old ones and reports gaps", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(10, [1]));
    expect(s.applyEvent(spawned(10, 2))).toBe("old");
    expect(s.applyEvent(spawned(11, 2))).toBe("applied");
    expect(s.applyEvent(stateChange(13, 1, "BUSY"))).toBe("gap");
    expect(s.agents.get(1)?.state).toBe("IDLE");
    expect(s.lastSeq).toBe(11);
    expect(s.applyEvent(stateChange(13, 1, "BUSY"), false)).toBe("applied");
    expect(s.agents.get(1)?.state).toBe("BUSY");
    expect(s.log.toArray().map((e) => e.seq)).toEqual([11, 13]);
  });

  it("expects gaps when the subscription hides agents", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(10, [1, 2]));
    s.maxAgents = 2;
    expect(s.applyEvent(stateChange(15, 1, "BUSY"))).toBe("applied");
  });

  it("removes terminated agents and their positions", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2]));
    s.positions.place(1, 0, 0, 0, 0, 0, 0);
    s.applyEvent({ seq: 2, time: 5, type: "agent.terminated", data: { numId: 1, id: "uuid-1", reason: "done" } });
    s.applyEvent(stateChange(3, 2, "TERMINATED"));
    expect(s.agentCount()).toBe(0);
    expect(s.positions.count).toBe(0);
  });

  it("tracks tasks, metrics history and messages", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2]));
    s.applyEvent({ seq: 2, time: 10, type: "agent.task", data: { numId: 1, taskId: "t1", phase: "started", description: "parse" } });
    expect(s.agents.get(1)?.task?.description).toBe("parse");
    const metrics = { timestamp: 11, tasksCompleted: 3, successRate: 0.9, averageResponseTime: 12, resourceUtilization: 0.7 };
    s.applyEvent({ seq: 3, time: 11, type: "agent.metrics", data: { numId: 1, metrics, trends: { successRateTrend: "increasing" } } });
    expect(s.agents.get(1)?.history.toArray()).toEqual([metrics]);
    expect(s.agents.get(1)?.trends?.successRateTrend).toBe("increasing");
    s.applyEvent({ seq: 4, time: 12, type: "agent.task", data: { numId: 1, taskId: "t1", phase: "completed" } });
    expect(s.agents.get(1)?.task).toBeUndefined();
    s.applyEvent({ seq: 5, time: 13, type: "message.sent", data: { id: "9", from: 1, to: 2, type: "request", success: true } });
    s.applyEvent({ seq: 6, time: 14, type: "message.sent", data: { id: "10", from: 2, to: 1, type: "reply", success: true } });
    expect(s.agents.get(2)?.messages.length).toBe(2);
    const edge = s.edges.get("1:2");
    expect(edge?.weight).toBeGreaterThan(1.9);
    expect(s.messageRate(15)).toBeCloseTo(2 / 5);
    s.pruneEdges(14 + EDGE_TTL_MS + 1);
    expect(s.edges.size).toBe(0);
  });

  it("logs formations and tool calls in words", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2]));
    s.applyEvent({ seq: 2, time: 5, type: "formation.update", data: { id: "ring-1", pattern: "circle", phase: "formed", agents: [1, 2] } });
    s.applyEvent({ seq: 3, time: 6, type: "tool.called", data: { tool: "agent_list", outcome: "ok", client: "claude-code" } });
    expect(s.log.toArray().map((e) => e.text)).toEqual([
      "formation ring-1 circle formed (2 agents)",
      "tool agent_list ok by claude-code",
    ]);
  });

  it("merges coordination updates", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2]));
    s.applyEvent({ seq: 2, time: 1, type: "coordination.update", data: { id: "c", pattern: "pipeline", status: "ACTIVE", progress: 0, participants: [1, 2] } });
    s.applyEvent({ seq: 3, time: 2, type: "coordination.update", data: { id: "c", pattern: "pipeline", status: "ACTIVE", progress: 0.5, participants: [] } });
    expect(s.coordinations.get("c")).toMatchObject({ progress: 0.5, participants: [1, 2] });
  });

  it("counts bad frames and keeps going", () => {
    const s = new SwarmStore();
    expect(s.applyFrame(new ArrayBuffer(7), 0)).toBe("short");
    expect(s.applyFrame(encodeFrame(1, 1, true, [4], [1, 2, 3]), 0)).toBeNull();
    expect(s.badFrames).toBe(1);
    expect(s.frames).toBe(1);
    expect(s.positions.has(4)).toBe(true);
  });

  it("finds agents by id, number or name", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 22]));
    expect(s.findAgent("22")?.numId).toBe(22);
    expect(s.findAgent("uuid-1")?.numId).toBe(1);
    expect(s.findAgent("AGENT-22")?.numId).toBe(22);
    expect(s.findAgent("nobody")).toBeUndefined();
  });
});
