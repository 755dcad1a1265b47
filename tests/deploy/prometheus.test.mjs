// Prometheus' config and alert rules (deploy/prometheus/): promtool's checks
// and unit tests, and the test Prometheus (run.sh: prometheus.yml with its
// targets on loopback) scraping the running node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bindMounts, composeConfig, prom, readText, readYaml, run, waitFor } from "./helpers.mjs";

const T = { timeout: 90000 };
const config = "deploy/prometheus/prometheus.yml";
const rulesFile = "deploy/prometheus/alerts/agent-visualizer.yml";
const testsFile = "deploy/prometheus/tests/alerts.test.yml";
const alerts = readYaml(rulesFile).groups.flatMap((g) => g.rules.map((r) => r.alert));

/** Runs promtool; fails with its output unless it succeeds. */
function promtool(...args) {
  const r = run("promtool", args);
  assert.equal(r.status, 0, `promtool ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

test("promtool accepts prometheus.yml and the rules it loads", T, () => {
  assert.match(promtool("check", "config", config), /SUCCESS: 1 rule files found/);
  assert.match(promtool("check", "rules", rulesFile), new RegExp(`SUCCESS: ${alerts.length} rules found`));
});

test("the alerts' unit tests pass (promtool test rules)", T, () => {
  assert.match(promtool("test", "rules", testsFile), /SUCCESS/);
});

test("every alert has a unit test that sees it fire, and a runbook in the docs", T, () => {
  const fired = new Set(
    readYaml(testsFile).tests.flatMap((t) =>
      (t.alert_rule_test ?? []).filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname)));
  const docs = readText("docs/deployment.md");
  for (const alert of alerts) {
    assert.ok(fired.has(alert), `no test sees ${alert} fire`);
    assert.match(docs, new RegExp(`^### ${alert}$`, "m"), `docs/deployment.md has no section ${alert}`);
  }
});

test("compose mounts prometheus.yml and its rules where the config looks, and scrapes the node's metrics port", T, () => {
  const { prometheus, "agent-visualizer": node } = composeConfig().services;
  const mounts = bindMounts(prometheus);
  assert.equal(mounts[config], "/etc/prometheus/prometheus.yml");
  assert.equal(mounts["deploy/prometheus/alerts"], "/etc/prometheus/alerts");
  assert.deepEqual(readYaml(config).rule_files, ["alerts/*.yml"]);
  const job = readYaml(config).scrape_configs.find((j) => j.job_name === "agent-visualizer");
  assert.deepEqual(job.static_configs[0].targets, [`agent-visualizer:${node.environment.METRICS_PORT}`]);
  assert.ok("monitoring" in node.networks && "monitoring" in prometheus.networks);
});

test("Prometheus scrapes the node and evaluates every rule without error", T, async () => {
  const target = await waitFor("the node's target up", async () => {
    const { activeTargets } = await prom("targets");
    return activeTargets.find((t) => t.labels.job === "agent-visualizer" && t.health === "up");
  }, 30000);
  assert.equal(target.scrapeUrl.endsWith("/metrics"), true);
  const rules = await waitFor("one evaluation of the rules", async () => {
    const { groups } = await prom("rules");
    const all = groups.flatMap((g) => g.rules);
    return all.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith("0001")) && all;
  }, 40000, 1000);
  assert.deepEqual(rules.map((r) => r.name).sort(), [...alerts].sort());
  for (const r of rules) assert.equal(r.health, "ok", `${r.name}: ${r.lastError}`);
});

test("on a healthy node no alert is pending or firing", T, async () => {
  const { alerts: active } = await prom("alerts");
  assert.deepEqual(active.map((a) => `${a.labels.alertname} ${a.state}`), []);
});
