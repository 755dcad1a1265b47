// docker-compose.yml with .env.example: valid for Debian's docker-compose
// (which checks it against its compose schema) and yamllint, its images
// pinned, its ports bound as documented, and its pieces agreeing with each
// other and with what agent-server accepts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { composeConfig, env, readText, run, publishedPorts } from "./helpers.mjs";

const T = { timeout: 60000 };
const config = composeConfig();
const services = config.services;
const scratch = mkdtempSync(path.join(tmpdir(), "av-compose-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("docker-compose config accepts the file with .env.example", T, () => {
  const r = run("docker-compose", ["--env-file", ".env.example", "config", "-q"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(services).sort(), [
    "agent-visualizer", "grafana", "jaeger", "nginx-proxy", "postgres", "prometheus", "redis",
  ]);
});

test("yamllint finds nothing in the stack's YAML, warnings included", T, () => {
  // Duplicate keys above all: docker-compose's YAML loader keeps the last one
  // silently.
  const r = run("yamllint", ["--strict", "-f", "parsable", "-c", "tests/deploy/yamllint.yml", "docker-compose.yml", "deploy/"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("every image is pinned to a version; the node's is built, not pulled", T, () => {
  for (const [name, s] of Object.entries(services)) {
    if (name === "agent-visualizer") {
      assert.equal(s.image, undefined);
      assert.equal(s.build.dockerfile, "deploy/Dockerfile");
      continue;
    }
    // At least major.minor: no `latest`, no tag that moves to a new minor.
    assert.match(s.image, /^[\w./-]+:v?\d+(\.\d+)+(-[\w.]+)?$/, `${name}: ${s.image}`);
  }
});

test("only nginx-proxy and Grafana listen on every interface; the rest on loopback or not at all", T, () => {
  const open = {};
  for (const [name, s] of Object.entries(services)) {
    for (const p of publishedPorts(s)) {
      if (p.ip === "127.0.0.1") continue;
      assert.equal(p.ip, "0.0.0.0", `${name}: ${p.published} bound to "${p.ip}"`);
      (open[name] ??= []).push(p.target);
    }
  }
  assert.deepEqual(open, { grafana: [3000], "nginx-proxy": [80, 443] });
  for (const name of ["agent-visualizer", "postgres", "redis"]) assert.deepEqual(publishedPorts(services[name]), [], name);
});

test(".env.example sets exactly the variables that the compose file and deploy.sh read", T, () => {
  const example = new Set([...readText(".env.example").matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  const compose = [...readText("docker-compose.yml").matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]);
  const script = [...readText("deploy/deploy.sh").matchAll(/\bsetting (?:"\$1" )?([A-Z_][A-Z0-9_]*)\b/g)].map((m) => m[1]);
  assert.deepEqual([...example].sort(), [...new Set([...compose, ...script])].sort());
});

test("the stores keep their data in volumes and have health checks the node waits for", T, () => {
  for (const store of ["postgres", "redis"]) {
    assert.ok(services[store].healthcheck?.test, `${store} has a health check`);
    assert.equal(services["agent-visualizer"].depends_on[store].condition, "service_healthy");
  }
  assert.ok(services.postgres.volumes.some((v) => v.startsWith("postgres-data:/var/lib/postgresql/data")));
  assert.ok(services.redis.volumes.some((v) => v.startsWith("redis-data:/data")));
  assert.deepEqual(services.redis.command.slice(0, 2), ["--appendonly", "yes"]);
  assert.equal(services["nginx-proxy"].depends_on["agent-visualizer"].condition, "service_healthy");
});

test("nginx's template gets each variable it reads, and its upstream ports are the node's", T, () => {
  const template = readText("deploy/nginx/templates/default.conf.template");
  const read = new Set([...template.matchAll(/\$\{(NGINX_[A-Z_]+)\}/g)].map((m) => m[1]));
  const nginx = services["nginx-proxy"].environment;
  const node = services["agent-visualizer"].environment;
  const given = Object.keys(nginx).filter((k) => k !== "NGINX_ENVSUBST_FILTER");
  assert.deepEqual([...read].sort(), given.sort());
  assert.equal(nginx.NGINX_UPSTREAM_HOST, "agent-visualizer");
  assert.equal(nginx.NGINX_API_PORT, node.API_PORT);
  assert.equal(nginx.NGINX_WS_PORT, node.WS_PORT);
  assert.equal(nginx.NGINX_MCP_PORT, node.MCP_PORT);
});

test("the node trusts X-Forwarded-For from nginx's address alone, and both share the edge network", T, () => {
  const node = services["agent-visualizer"];
  const nginx = services["nginx-proxy"];
  assert.equal(node.environment.TRUSTED_PROXIES, nginx.networks.edge.ipv4_address);
  const [subnet] = config.networks.edge.ipam.config.map((c) => c.subnet);
  const prefix = subnet.split(".").slice(0, 3).join(".");
  for (const s of [node, nginx]) assert.ok(s.networks.edge.ipv4_address.startsWith(`${prefix}.`), subnet);
  assert.equal(config.networks.data.internal, true);
  assert.deepEqual(Object.keys(services.postgres.networks), ["data"]);
});

test("the node's environment passes agent-server's own checks, secrets read from files", T, () => {
  // The entrypoint with the compose environment and --print-config: the
  // server validates every value and prints what it resolved, secrets masked.
  const files = {};
  for (const name of ["postgres_password", "redis_password", "mcp_api_key", "jwt_secret"]) {
    files[name] = path.join(scratch, name);
    writeFileSync(files[name], `${name}-0123456789abcdef-0123456789abcdef\n`);
  }
  const environment = { ...services["agent-visualizer"].environment, PATH: process.env.PATH, AGENT_SERVER: env("AV_SERVER") };
  for (const [k, v] of Object.entries(environment)) {
    if (k.endsWith("_FILE")) environment[k] = files[path.basename(v)];
  }
  const r = run("deploy/docker-entrypoint.sh", ["--print-config"], { env: environment });
  assert.equal(r.status, 0, r.stderr);
  const printed = Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  assert.equal(printed.BIND_ADDRESS, "0.0.0.0");
  assert.equal(printed.ALLOWED_ORIGINS, "https://localhost");
  assert.equal(printed.TRUSTED_PROXIES, "172.30.240.10");
  assert.equal(printed.MCP_API_KEY, "***");
  assert.equal(printed.JWT_SECRET, "***");
  assert.equal(printed.DATABASE_URL, "postgresql://agent_user:***@postgres:5432/agent_db");
  assert.equal(printed.REDIS_URL, "redis://:***@redis:6379/0");
  assert.equal(printed.ENABLE_GPU_PHYSICS, "false");
});
