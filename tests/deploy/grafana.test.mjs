// Grafana's provisioning and dashboards (deploy/grafana/): every query
// names metrics and labels that the running node really exports, as the
// test Prometheus scraped them, and returns data there.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import {
  bindMounts, composeConfig, exerciseNode, prom, publishedPorts, readYaml, root, scrapedSeries, waitFor,
} from "./helpers.mjs";
import { promqlNames } from "./promql.mjs";

const T = { timeout: 120000 };
const provisioning = "deploy/grafana/provisioning";
const datasource = readYaml(`${provisioning}/datasources/prometheus.yml`).datasources[0];
const provider = readYaml(`${provisioning}/dashboards/agent-visualizer.yml`).providers[0];
const dashboardDir = path.join(root, "deploy/grafana/dashboards");
const dashboards = readdirSync(dashboardDir)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dashboardDir, file), "utf8")) }));

// Grafana's interval variables as a 5 s scrape interval makes them.
const grafanaVariables = { $__rate_interval: "30s", $__interval: "15s", $__range: "5m" };
const expand = (expr) => expr.replace(/\$__\w+/g, (v) => grafanaVariables[v] ?? v);

const panelsOf = (dashboard) => dashboard.panels.flatMap((p) => (p.type === "row" ? p.panels : [p]));
const queries = dashboards.flatMap(({ file, json }) =>
  panelsOf(json).flatMap((panel) =>
    panel.targets.map((t) => ({ where: `${file}: "${panel.title}" ${t.refId}`, expr: expand(t.expr), panel, target: t }))));

test("the datasource is the stack's Prometheus, the dashboards where compose mounts them", T, () => {
  const { grafana, prometheus } = composeConfig().services;
  assert.equal(datasource.type, "prometheus");
  assert.equal(datasource.url, "http://prometheus:9090");
  assert.ok("monitoring" in prometheus.networks && "monitoring" in grafana.networks, "on one network");
  assert.ok(publishedPorts(prometheus).some((p) => p.target === 9090), "Prometheus listens on 9090");
  const mounts = bindMounts(grafana);
  assert.equal(mounts["deploy/grafana/dashboards"], provider.options.path);
  assert.equal(mounts["deploy/grafana/provisioning"], "/etc/grafana/provisioning");
});

test("each panel queries the provisioned datasource; ids are unique; panels fit the grid", T, () => {
  assert.ok(dashboards.length > 0);
  for (const { file, json } of dashboards) {
    const panels = panelsOf(json);
    const ids = json.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((q) => q.id)]);
    assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
    for (const p of panels) {
      assert.ok(p.targets?.length > 0, `${file}: "${p.title}" has no query`);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${file}: "${p.title}" is wider than the grid`);
      for (const t of [p, ...p.targets]) assert.equal(t.datasource?.uid, datasource.uid, `${file}: "${p.title}"`);
    }
  }
});

test("the dashboards cover the swarm, events, viewers, MCP, physics and stores", T, () => {
  const used = new Set(queries.flatMap((q) => [...promqlNames(q.expr).metrics]));
  for (const family of [
    "agentviz_agents", "agentviz_events_total", "agentviz_store_written_total", "agentviz_ws_sessions", "agentviz_ws_messages_sent_total",
    "agentviz_mcp_calls_total", "agentviz_mcp_call_duration_seconds_bucket",
    "agentviz_physics_tick_seconds_bucket", "agentviz_store_connected", "agentviz_store_buffered",
  ]) assert.ok(used.has(family), `no panel shows ${family}`);
});

// The alert rules' expressions go through the same checks.
const alertQueries = readYaml("deploy/prometheus/alerts/agent-visualizer.yml").groups.flatMap((g) =>
  g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));

before(async () => {
  await exerciseNode();
});

test("every query parses and names only metrics and labels the node exports", T, async () => {
  // The series appear in Prometheus with its next scrape of the node.
  const series = await waitFor("the MCP and WebSocket series in Prometheus", async () => {
    const s = await scrapedSeries();
    return s.has("agentviz_mcp_calls_total") && s.has("agentviz_ws_closes_total") && s;
  }, 30000);
  const problems = [];
  for (const { where, expr } of [...queries, ...alertQueries]) {
    const { metrics, labels, grouping, errors } = promqlNames(expr);
    if (errors > 0) problems.push(`${where}: does not parse: ${expr}`);
    const known = new Set();
    for (const metric of metrics) {
      if (!series.has(metric)) problems.push(`${where}: the node exports no ${metric}`);
      for (const l of series.get(metric) ?? []) known.add(l);
    }
    for (const [metric, names] of labels) {
      for (const l of names) if (!series.get(metric)?.has(l)) problems.push(`${where}: ${metric} has no label ${l}`);
    }
    for (const l of grouping) if (!known.has(l)) problems.push(`${where}: no series of it has the label ${l}`);
  }
  assert.deepEqual(problems, []);
});

test("every dashboard query returns data from the running node", T, async () => {
  // rate() over 30s needs two scrapes (5 s apart) after the series appeared.
  let empty = [];
  await waitFor("data for every panel", async () => {
    empty = [];
    for (const { where, expr } of queries) {
      const data = await prom("query", { query: expr });
      if (data.result.length === 0) empty.push(where);
    }
    return empty.length === 0;
  }, 60000, 2000).catch(() => assert.deepEqual(empty, [], "queries without data"));
});
