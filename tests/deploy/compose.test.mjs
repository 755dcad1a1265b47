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
// The node services: agent-visualizer, and the cluster profile's.
const nodes = ["agent-visualizer", "agent-visualizer-2", "agent-visualizer-3"];
const scratch = mkdtempSync(path.join(tmpdir(), "av-compose-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("docker-compose config accepts the file with .env.example", T, () => {
  const r = run("docker-compose", ["--env-file", ".env.example", "config", "-q"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(services).sort(), [
    "agent-visualizer", "agent-visualizer-2", "agent-visualizer-3", "grafana", "jaeger", "nginx-proxy", "postgres",
    "prometheus", "redis",
  ]);
});

test("without the cluster profile the stack is the seven services it was; the profile adds two nodes", T, () => {
  const always = Object.keys(services).filter((name) => !services[name].profiles);
  assert.deepEqual(always.sort(), ["agent-visualizer", "grafana", "jaeger", "nginx-proxy", "postgres", "prometheus", "redis"]);
  for (const name of ["agent-visualizer-2", "agent-visualizer-3"]) assert.deepEqual(services[name].profiles, ["cluster"], name);
  // A service of the stack that needed one of the profile's would pull it
  // in, or be refused, without the profile.
  for (const name of always) {
    for (const dependency of Object.keys(services[name].depends_on ?? {})) assert.ok(always.includes(dependency), `${name} needs ${dependency}`);
  }
  // nginx needs no other setting for the cluster: it finds the nodes by name.
  assert.equal(services["nginx-proxy"].profiles, undefined);
});

test("every node is one image and one environment, less its name, slot, address and seeds", T, () => {
  const first = services["agent-visualizer"];
  assert.deepEqual(first.environment.CLUSTER_SEEDS, undefined);
  for (const name of nodes) {
    const node = services[name];
    assert.equal(node.image, first.image, name);
    assert.deepEqual(node.build, first.build, name);
    assert.deepEqual(node.secrets, first.secrets, name);
    assert.equal(node.environment.NODE_NAME, name);
    assert.equal(node.environment.CLUSTER_ADVERTISE, `${name}.data`);
    assert.deepEqual(node.networks.data.aliases, [`${name}.data`], `${name} is ${name}.data on data alone`);
    const differs = Object.keys({ ...first.environment, ...node.environment })
      .filter((k) => first.environment[k] !== node.environment[k]).sort();
    if (name === "agent-visualizer") continue;
    assert.deepEqual(differs, ["CLUSTER_ADVERTISE", "CLUSTER_SEEDS", "MIGRATE_ON_START", "NODE_NAME", "NODE_SLOT"], name);
    // Joins through the first node's cluster port, on data, once the first
    // node is healthy (and has migrated).
    assert.equal(node.environment.CLUSTER_SEEDS, `${first.environment.CLUSTER_ADVERTISE}:${first.environment.CLUSTER_PORT}`);
    assert.equal(node.environment.MIGRATE_ON_START, "false");
    assert.equal(node.depends_on["agent-visualizer"].condition, "service_healthy");
  }
  assert.deepEqual(nodes.map((n) => services[n].environment.NODE_SLOT), [undefined, "1", "2"]);
});

test("nodes talk to each other over TLS with the cluster secret, their cluster port unpublished", T, () => {
  for (const name of nodes) {
    const { environment: e, secrets } = services[name];
    const mounted = (file) => secrets.some((s) => `/run/secrets/${s.source}` === file);
    assert.equal(e.CLUSTER_BIND_ADDRESS, "0.0.0.0");
    assert.ok(mounted(e.CLUSTER_SECRET_FILE), e.CLUSTER_SECRET_FILE);
    for (const k of ["CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA"]) assert.ok(mounted(e[k]), `${name}: ${k}`);
    // One certificate, its own CA: the nodes trust each other and no one else.
    assert.equal(e.CLUSTER_TLS_CA, e.CLUSTER_TLS_CERT);
    assert.deepEqual(publishedPorts(services[name]), [], name);
  }
});

test("yamllint finds nothing in the stack's YAML, warnings included", T, () => {
  // Duplicate keys above all: docker-compose's YAML loader keeps the last one
  // silently.
  const r = run("yamllint", ["--strict", "-f", "parsable", "-c", "tests/deploy/yamllint.yml", "docker-compose.yml", "deploy/"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("every image is pinned to a version; the nodes' is built, not pulled", T, () => {
  for (const [name, s] of Object.entries(services)) {
    if (nodes.includes(name)) {
      assert.equal(s.image, "agent-visualizer:local");
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
  for (const name of [...nodes, "postgres", "redis"]) assert.deepEqual(publishedPorts(services[name]), [], name);
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
    for (const node of nodes) assert.equal(services[node].depends_on[store].condition, "service_healthy");
  }
  assert.ok(services.postgres.volumes.some((v) => v.startsWith("postgres-data:/var/lib/postgresql/data")));
  assert.ok(services.redis.volumes.some((v) => v.startsWith("redis-data:/data")));
  assert.deepEqual(services.redis.command.slice(0, 2), ["--appendonly", "yes"]);
  assert.equal(services["nginx-proxy"].depends_on["agent-visualizer"].condition, "service_healthy");
});

test("nginx's template gets each variable it reads, and its upstream ports are the nodes'", T, () => {
  const template = readText("deploy/nginx/templates/default.conf.template");
  const read = new Set([...template.matchAll(/\$\{(NGINX_[A-Z_]+)\}/g)].map((m) => m[1]));
  const nginx = services["nginx-proxy"].environment;
  const node = services["agent-visualizer"].environment;
  const given = Object.keys(nginx).filter((k) => k !== "NGINX_ENVSUBST_FILTER");
  assert.deepEqual([...read].sort(), given.sort());
  assert.equal(nginx.NGINX_API_PORT, node.API_PORT);
  assert.equal(nginx.NGINX_WS_PORT, node.WS_PORT);
  assert.equal(nginx.NGINX_MCP_PORT, node.MCP_PORT);
});

test("nginx finds every node by one name on edge, asked again at run time, so it starts with one node or three", T, () => {
  const nginx = services["nginx-proxy"].environment;
  for (const name of nodes) assert.ok(services[name].networks.edge.aliases.includes(nginx.NGINX_UPSTREAM_HOST), name);
  const others = Object.keys(services).filter((n) => !nodes.includes(n) && services[n].networks?.edge);
  assert.deepEqual(others, ["nginx-proxy"], "no other service has the nodes' name");
  // Docker's DNS; every upstream server is the nodes' name, resolved by it
  // (an upstream name nginx resolves once at start would refuse to start
  // while it is unknown, and keep old addresses).
  assert.equal(nginx.NGINX_RESOLVER, "127.0.0.11");
  const template = readText("deploy/nginx/templates/default.conf.template");
  assert.match(template, /^resolver \$\{NGINX_RESOLVER\} valid=\d+s/m);
  const upstreams = [...template.matchAll(/^upstream (\w+) \{\n([^]*?)\n\}/gm)];
  assert.deepEqual(upstreams.map((u) => u[1]), ["av_api", "av_ws", "av_mcp"]);
  for (const [, name, body] of upstreams) {
    const servers = body.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("server "));
    assert.equal(servers.length, 1, name);
    assert.match(servers[0], /^server \$\{NGINX_UPSTREAM_HOST\}:\$\{NGINX_\w+_PORT\} resolve;$/, name);
    assert.match(body, new RegExp(`zone ${name} `), name);
  }
  // MCP by the client's address: the request that opens a session has no
  // Mcp-Session-Id yet.
  assert.match(upstreams[2][2], /hash \$remote_addr consistent;/);
  assert.doesNotMatch(template, /hash \$http_mcp_session_id/);
});

test("the nodes trust X-Forwarded-For from nginx's address alone, and share the edge network with it at fixed addresses", T, () => {
  const nginx = services["nginx-proxy"];
  for (const name of nodes) assert.equal(services[name].environment.TRUSTED_PROXIES, nginx.networks.edge.ipv4_address, name);
  const [subnet] = config.networks.edge.ipam.config.map((c) => c.subnet);
  const prefix = subnet.split(".").slice(0, 3).join(".");
  const edge = [...nodes.map((n) => services[n]), nginx].map((s) => s.networks.edge.ipv4_address);
  for (const address of edge) assert.ok(address.startsWith(`${prefix}.`), `${address} in ${subnet}`);
  // All fixed, none twice: Docker would hand a container without one an
  // address that another's may be.
  assert.equal(new Set(edge).size, edge.length);
  assert.equal(config.networks.data.internal, true);
  assert.deepEqual(Object.keys(services.postgres.networks), ["data"]);
});

/** What agent-server resolves from node service `name`'s compose
 * environment through the entrypoint (--print-config), the secrets read
 * from stand-in files at /run/secrets/'s names; NAME -> value. */
function printedConfig(name) {
  const files = {};
  for (const secret of services[name].secrets.map((s) => s.source)) {
    files[secret] = path.join(scratch, secret);
    writeFileSync(files[secret], `${secret}-0123456789abcdef-0123456789abcdef\n`);
  }
  const environment = { ...services[name].environment, PATH: process.env.PATH, AGENT_SERVER: env("AV_SERVER") };
  for (const [k, v] of Object.entries(environment)) {
    if (v.startsWith("/run/secrets/")) environment[k] = files[path.basename(v)];
  }
  const r = run("deploy/docker-entrypoint.sh", ["--print-config"], { env: environment });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

test("the node's environment passes agent-server's own checks, secrets read from files", T, () => {
  // The server validates every value and prints what it resolved, secrets
  // masked.
  const printed = printedConfig("agent-visualizer");
  assert.equal(printed.BIND_ADDRESS, "0.0.0.0");
  assert.equal(printed.ALLOWED_ORIGINS, "https://localhost");
  assert.equal(printed.TRUSTED_PROXIES, "172.30.240.10");
  assert.equal(printed.MCP_API_KEY, "***");
  assert.equal(printed.JWT_SECRET, "***");
  assert.equal(printed.DATABASE_URL, "postgresql://agent_user:***@postgres:5432/agent_db");
  assert.equal(printed.REDIS_URL, "redis://:***@redis:6379/0");
  assert.equal(printed.ENABLE_GPU_PHYSICS, "false");
});

test("each cluster node's environment passes agent-server's own checks", T, () => {
  for (const name of nodes) {
    const printed = printedConfig(name);
    assert.equal(printed.NODE_NAME, name);
    assert.equal(printed.CLUSTER_SECRET, "***", name);
    assert.equal(printed.CLUSTER_SEEDS, name === "agent-visualizer" ? "" : "agent-visualizer.data:4242", name);
    assert.equal(printed.CLUSTER_TLS_CA, "/run/secrets/cluster_tls_cert".replace("/run/secrets", scratch), name);
  }
});
