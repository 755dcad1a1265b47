// The selected agent: state, type, provenance, metrics with sparklines and
// trends, current task and recent messages.

import { provenanceOf, type AgentView, type SwarmStore } from "../core/store";
import type { MetricsSample, Trends } from "../core/types";
import type { ApiClient } from "./api_client";
import { age, clock, el } from "./dom";
import { sparkline, trendArrow } from "./sparkline";

interface AgentDetails {
  lastSeen?: number;
  currentTask?: string | null;
  queuedTasks?: number;
  tasksCompleted?: number;
  tasksFailed?: number;
  metadata?: unknown;
}

interface MetricsAnswer {
  metrics?: MetricsSample;
  trends?: Trends;
  history?: MetricsSample[];
}

const METRICS: Array<{ key: keyof MetricsSample; label: string; trend?: keyof Trends; fmt: (v: number) => string }> = [
  { key: "successRate", label: "success", trend: "successRateTrend", fmt: (v) => `${Math.round(v * 100)} %` },
  { key: "averageResponseTime", label: "response", trend: "responseTrend", fmt: (v) => `${Math.round(v)} ms` },
  { key: "resourceUtilization", label: "load", trend: "utilizationTrend", fmt: (v) => `${Math.round(v * 100)} %` },
  { key: "tasksCompleted", label: "tasks done", fmt: (v) => String(Math.round(v)) },
];

export class AgentPanel {
  private details: AgentDetails = {};
  private loadedFor = -1;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: SwarmStore,
    private readonly api: ApiClient,
    private readonly report: (e: unknown) => void,
  ) {}

  /** Loads what the stream does not carry: last seen, task, history. */
  async load(numId: number): Promise<void> {
    this.loadedFor = numId;
    this.details = {};
    try {
      const [info, metrics] = await Promise.all([
        this.api.request<AgentDetails>("GET", `/api/agents/${numId}`),
        this.api.request<MetricsAnswer>("GET", `/api/agents/${numId}/metrics`),
      ]);
      if (this.loadedFor !== numId) return;
      this.details = info;
      const a = this.store.agents.get(numId);
      if (!a) return;
      if (info.lastSeen && info.lastSeen > a.lastSeen) a.lastSeen = info.lastSeen;
      // A timestamp of 0: the agent has not reported any metrics yet.
      if (metrics.metrics?.timestamp && !a.metrics) a.metrics = metrics.metrics;
      if (metrics.trends && !a.trends) a.trends = metrics.trends;
      if (metrics.history && metrics.history.length > a.history.length) {
        a.history.clear();
        for (const m of metrics.history) a.history.push(m);
      }
    } catch (e) {
      if (this.loadedFor === numId) this.report(e);
    }
  }

  render(numId: number, now: number): void {
    const a = this.store.agents.get(numId);
    this.root.dataset.agent = a ? String(a.numId) : "";
    if (!a) {
      this.root.replaceChildren(el("p", { class: "hint", text: numId >= 0 ? "The agent has ended." : "Click an agent, or search by name or id." }));
      return;
    }
    this.root.replaceChildren(
      el("div", { class: "agent-head" },
        el("strong", { class: "agent-name", text: a.name }),
        el("span", { class: `badge state-${a.state}`, "data-role": "state", text: a.state }),
        this.provenanceBadge(a, now)),
      el("div", { class: "kv" },
        el("span", { text: "type" }), el("span", { "data-role": "type", text: a.type }),
        el("span", { text: "id" }), el("span", { class: "mono", text: `${a.id} · #${a.numId}` }),
        el("span", { text: "node" }), el("span", { "data-role": "node", text: a.node || "—" }),
        el("span", { text: "task" }), el("span", { "data-role": "task", text: a.task?.description || this.details.currentTask || "none" }),
        this.details.queuedTasks !== undefined && el("span", { text: "queued" }),
        this.details.queuedTasks !== undefined && el("span", { text: String(this.details.queuedTasks) })),
      this.metrics(a),
      el("h4", { text: "Recent messages" }),
      this.messages(a),
    );
  }

  private provenanceBadge(a: AgentView, now: number): HTMLElement {
    const p = provenanceOf(a, now);
    const text = p.label === "stale" ? `stale · ${age(p.ageMs)}` : `${p.label} · ${age(p.ageMs)} ago`;
    return el("span", { class: `badge prov-${p.label}`, "data-role": "provenance", title: "provenance and time since the last news", text });
  }

  private metrics(a: AgentView): HTMLElement {
    if (!a.metrics) return el("p", { class: "hint", text: "No metrics reported yet." });
    const history = a.history.toArray();
    const rows = METRICS.map((m) => {
      const value = Number(a.metrics![m.key]);
      const arrow = m.trend ? trendArrow(a.trends?.[m.trend]) : "";
      return el("div", { class: "metric" },
        el("span", { class: "metric-label", text: m.label }),
        el("span", { class: "metric-value", text: `${m.fmt(value)} ${arrow}` }),
        sparkline(history.map((h) => Number(h[m.key]))));
    });
    return el("div", { class: "metrics" }, ...rows);
  }

  private messages(a: AgentView): HTMLElement {
    const msgs = a.messages.toArray().slice(-8).reverse();
    if (msgs.length === 0) return el("p", { class: "hint", text: "None since the page opened." });
    const name = (n: number) => (n === a.numId ? "this" : this.store.agents.get(n)?.name ?? `#${n}`);
    return el("ul", { class: "messages" },
      ...msgs.map((m) => el("li", { class: m.success ? "" : "failed" }, `${clock(m.time)} ${name(m.from)} → ${name(m.to)} `, el("em", { text: m.type }))));
  }
}
