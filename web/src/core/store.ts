// The page's picture of the swarm: agents, coordinations, message edges and
// an event log, built from a snapshot and kept current by events and frames.

import { decodeFrame, emptyHeader, type FrameError } from "./frame_decoder";
import type { StoreLink } from "./node_status";
import { PositionTable } from "./position_table";
import { Ring } from "./ring";
import type {
  AgentState, AgentSummary, Coordination, MetricsSample, Participant, Snapshot, StreamEvent, Trends,
} from "./types";

export interface TaskView {
  taskId: string;
  phase: string;
  description: string;
}

export interface MessageView {
  time: number;
  from: number;
  to: number;
  type: string;
  success: boolean;
}

export interface AgentView extends AgentSummary {
  /** Newest event about the agent (ms since the epoch). */
  lastSeen: number;
  task?: TaskView;
  metrics?: MetricsSample;
  trends?: Trends;
  history: Ring<MetricsSample>;
  messages: Ring<MessageView>;
}

export interface Edge {
  from: number;
  to: number;
  /** Decaying count of messages: thicker with traffic. */
  weight: number;
  last: number;
}

export interface LogEntry {
  seq: number;
  time: number;
  type: string;
  text: string;
  agents: number[];
}

/** What applying an event did. */
export type EventOutcome = "applied" | "old" | "gap";

export const HISTORY_SAMPLES = 60;
export const AGENT_MESSAGES = 20;
export const LOG_ENTRIES = 500;
/** Edges fade out over this long without traffic. */
export const EDGE_TTL_MS = 10_000;
const RATE_WINDOW_MS = 5_000;

function num(x: unknown, fallback = 0): number {
  return typeof x === "number" && Number.isFinite(x) ? x : fallback;
}

function str(x: unknown, fallback = ""): string {
  return typeof x === "string" ? x : fallback;
}

function participantIds(xs: unknown): number[] {
  if (!Array.isArray(xs)) return [];
  return xs.map((p: Participant | number) => (typeof p === "number" ? p : num(p?.numId))).filter((n) => n > 0);
}

export class SwarmStore {
  readonly agents = new Map<number, AgentView>();
  readonly coordinations = new Map<string, Coordination>();
  readonly edges = new Map<string, Edge>();
  readonly positions = new PositionTable();
  readonly log = new Ring<LogEntry>(LOG_ENTRIES);
  /** The node's stores, from `node.store` events. */
  readonly stores = new Map<string, StoreLink>();
  /** Newest event applied; 0 before the first snapshot. */
  lastSeq = 0;
  /**
   * Whether the stream carries every event. With more agents than the
   * subscription's `maxAgents`, the server leaves out events of hidden
   * agents, so sequence gaps are expected and not a loss.
   */
  maxAgents = Number.POSITIVE_INFINITY;
  /** Counts of things that went wrong, for the system panel and tests. */
  badFrames = 0;
  lastFrameError: FrameError | null = null;
  frames = 0;
  snapshots = 0;
  gaps = 0;
  /** Bumped on every change that panels show. */
  version = 0;
  private messageTimes: number[] = [];
  private header = emptyHeader();

  agentCount(): number {
    return this.agents.size;
  }

  /** True when a sequence gap means lost events (see `maxAgents`). */
  expectsEveryEvent(): boolean {
    return this.agents.size < this.maxAgents;
  }

  applySnapshot(snap: Snapshot, now = Date.now()): void {
    const seen = new Set<number>();
    for (const a of snap.agents) {
      if (a.state === "TERMINATED") continue;
      seen.add(a.numId);
      const known = this.agents.get(a.numId);
      if (known) Object.assign(known, a);
      else this.agents.set(a.numId, this.newAgent(a, snap.time || now));
    }
    for (const numId of [...this.agents.keys()]) {
      if (!seen.has(numId)) this.dropAgent(numId);
    }
    this.coordinations.clear();
    for (const c of snap.coordinations) {
      this.coordinations.set(c.id, { ...c, participants: participantIds(c.participants) });
    }
    this.lastSeq = snap.seq;
    this.snapshots++;
    this.version++;
  }

  /**
   * Applies one event. Events at or below `lastSeq` are already reflected;
   * with `checkGaps`, a jump in the sequence is reported and not applied.
   */
  applyEvent(ev: StreamEvent, checkGaps = true): EventOutcome {
    if (ev.seq <= this.lastSeq) return "old";
    if (checkGaps && this.lastSeq > 0 && ev.seq > this.lastSeq + 1 && this.expectsEveryEvent()) {
      this.gaps++;
      return "gap";
    }
    this.lastSeq = ev.seq;
    this.version++;
    const text = this.applyData(ev);
    const d = ev.data;
    const agents = [num(d.numId), num(d.from), num(d.to)].filter((n) => n > 0);
    this.log.push({ seq: ev.seq, time: ev.time, type: ev.type, text, agents });
    return "applied";
  }

  /** Decodes and applies one binary frame part; bad frames are counted. */
  applyFrame(buffer: ArrayBuffer, now: number): FrameError | null {
    this.positions.now = now;
    const err = decodeFrame(buffer, this.header, this.positions);
    if (err) {
      this.badFrames++;
      this.lastFrameError = err;
      return err;
    }
    this.frames++;
    return null;
  }

  /** Messages per second over the last few seconds. */
  messageRate(now = Date.now()): number {
    this.pruneRate(now);
    return this.messageTimes.length / (RATE_WINDOW_MS / 1000);
  }

  /** Agents counted by state. */
  countByState(): Record<AgentState, number> {
    const out: Record<AgentState, number> = { IDLE: 0, BUSY: 0, ERROR: 0, TERMINATED: 0 };
    for (const a of this.agents.values()) out[a.state] = (out[a.state] ?? 0) + 1;
    return out;
  }

  /** Forgets edges that have faded out. */
  pruneEdges(now = Date.now()): void {
    for (const [key, e] of this.edges) if (now - e.last > EDGE_TTL_MS) this.edges.delete(key);
  }

  findAgent(query: string): AgentView | undefined {
    const q = query.trim().toLowerCase();
    if (!q) return undefined;
    const asNum = Number(q);
    if (Number.isInteger(asNum) && this.agents.has(asNum)) return this.agents.get(asNum);
    for (const a of this.agents.values()) {
      if (a.name.toLowerCase() === q || a.id.toLowerCase() === q) return a;
    }
    for (const a of this.agents.values()) {
      if (a.name.toLowerCase().includes(q) || a.id.toLowerCase().startsWith(q)) return a;
    }
    return undefined;
  }

  private newAgent(a: AgentSummary, time: number): AgentView {
    return {
      ...a,
      lastSeen: time,
      history: new Ring<MetricsSample>(HISTORY_SAMPLES),
      messages: new Ring<MessageView>(AGENT_MESSAGES),
    };
  }

  private dropAgent(numId: number): void {
    this.agents.delete(numId);
    this.positions.remove(numId);
  }

  private pruneRate(now: number): void {
    const times = this.messageTimes;
    let drop = 0;
    while (drop < times.length && now - times[drop] > RATE_WINDOW_MS) drop++;
    if (drop) times.splice(0, drop);
  }

  private touch(numId: number, time: number): AgentView | undefined {
    const a = this.agents.get(numId);
    if (a && time > a.lastSeen) a.lastSeen = time;
    return a;
  }

  /** Applies an event's data; returns the log line. */
  private applyData(ev: StreamEvent): string {
    const d = ev.data ?? {};
    const numId = num(d.numId);
    switch (ev.type) {
      case "agent.spawned": {
        const summary: AgentSummary = {
          id: str(d.id), numId, name: str(d.name), type: str(d.type, "agent"),
          state: str(d.state, "IDLE") as AgentState, provenance: str(d.provenance, "measured"),
          node: str(d.node),
        };
        const known = this.agents.get(numId);
        if (known) Object.assign(known, summary);
        else this.agents.set(numId, this.newAgent(summary, ev.time));
        return `${summary.name} spawned (${summary.type})`;
      }
      case "agent.state": {
        const a = this.touch(numId, ev.time);
        const to = str(d.to) as AgentState;
        if (a) a.state = to;
        if (to === "TERMINATED") this.dropAgent(numId);
        return `${a?.name ?? numId}: ${str(d.from)} → ${to}${d.reason ? ` (${str(d.reason)})` : ""}`;
      }
      case "agent.task": {
        const a = this.touch(numId, ev.time);
        const phase = str(d.phase);
        if (a) {
          const task = { taskId: str(d.taskId), phase, description: str(d.description) };
          a.task = phase === "completed" || phase === "failed" ? (a.task?.taskId === task.taskId ? undefined : a.task) : task;
        }
        return `${a?.name ?? numId}: task ${phase} ${str(d.description)}`;
      }
      case "agent.metrics": {
        const a = this.touch(numId, ev.time);
        const m = d.metrics as MetricsSample | undefined;
        if (a && m) {
          a.metrics = m;
          a.trends = d.trends as Trends | undefined;
          a.history.push(m);
        }
        return `${a?.name ?? numId}: metrics`;
      }
      case "message.sent": {
        const from = num(d.from), to = num(d.to);
        const msg: MessageView = { time: ev.time, from, to, type: str(d.type), success: d.success !== false };
        this.touch(from, ev.time)?.messages.push(msg);
        this.touch(to, ev.time)?.messages.push(msg);
        this.addEdge(from, to, ev.time);
        this.messageTimes.push(ev.time);
        this.pruneRate(ev.time);
        return `message ${this.nameOf(from)} → ${this.nameOf(to)} (${msg.type})`;
      }
      case "coordination.update": {
        const id = str(d.id);
        const known = this.coordinations.get(id);
        // The server names the participants once, when the run becomes
        // active; other updates carry an empty list.
        const named = participantIds(d.participants);
        const participants = named.length > 0 ? named : known?.participants ?? [];
        const c: Coordination = {
          ...known,
          id, pattern: str(d.pattern, known?.pattern ?? ""), status: str(d.status, known?.status ?? ""),
          progress: num(d.progress, known?.progress ?? 0), stepsDone: num(d.stepsDone), stepsTotal: num(d.stepsTotal),
          detail: str(d.detail), participants,
        };
        this.coordinations.set(id, c);
        return `coordination ${id.slice(0, 8)} ${c.pattern} ${c.status} ${Math.round(c.progress * 100)}%`;
      }
      case "agent.terminated": {
        const name = this.nameOf(numId);
        this.dropAgent(numId);
        return `${name} terminated${d.reason ? ` (${str(d.reason)})` : ""}`;
      }
      case "formation.update": {
        const n = Array.isArray(d.agents) ? d.agents.length : 0;
        return `formation ${str(d.id).slice(0, 8)} ${str(d.pattern)} ${str(d.phase)} (${n} agents)`;
      }
      case "node.store": {
        const link: StoreLink = {
          connected: d.connected === true, buffered: num(d.buffered), reason: str(d.reason), since: ev.time,
        };
        this.stores.set(str(d.store, "store"), link);
        const change = link.connected ? "reconnected" : `unavailable${link.reason ? `: ${link.reason}` : ""}`;
        return `store ${str(d.store)} ${change} (${link.buffered} writes buffered)`;
      }
      case "node.stopping":
        return `node stopping (${str(d.reason)}): reconnecting`;
      case "node.joined":
        return `node ${str(d.node)} joined (${str(d.address)})`;
      case "node.left":
        return `node ${str(d.node)} left (${str(d.address)})${d.reason ? `: ${str(d.reason)}` : ""}`;
      case "tool.called":
        return `tool ${str(d.tool)} ${str(d.outcome)}${d.client ? ` by ${str(d.client)}` : ""}`;
      default:
        return ev.type;
    }
  }

  private nameOf(numId: number): string {
    return this.agents.get(numId)?.name ?? `#${numId}`;
  }

  private addEdge(from: number, to: number, time: number): void {
    const key = from < to ? `${from}:${to}` : `${to}:${from}`;
    const e = this.edges.get(key);
    if (!e) {
      this.edges.set(key, { from, to, weight: 1, last: time });
      return;
    }
    // Halve the weight every edge lifetime, then count this message.
    e.weight = e.weight * Math.pow(0.5, Math.max(0, time - e.last) / EDGE_TTL_MS) + 1;
    e.last = time;
  }
}

/** A measured agent with no news for this long is shown as stale. */
export const STALE_AFTER_MS = 60_000;

/** The provenance badge: measured, simulated, or stale with its age. */
export function provenanceOf(a: AgentView, now: number): { label: string; ageMs: number } {
  const ageMs = Math.max(0, now - a.lastSeen);
  if (a.provenance !== "simulated" && ageMs > STALE_AFTER_MS) return { label: "stale", ageMs };
  return { label: a.provenance || "measured", ageMs };
}
