// deploy/deploy.sh: --prepare makes secrets and a certificate, --check finds
// what is wrong without a Docker engine, and a deployment runs its steps in
// order against a stand-in `docker` that answers like the engine would.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readText, run } from "./helpers.mjs";

const T = { timeout: 60000 };
const scratch = mkdtempSync(path.join(tmpdir(), "av-deploy-sh-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const secrets = ["postgres_password", "redis_password", "mcp_api_key", "jwt_secret", "grafana_admin_password", "cluster_secret"];

let cases = 0;
/** A fresh folder with an env file: .env.example with `changes` applied. */
function project(changes = {}) {
  const dir = path.join(scratch, `case-${++cases}`);
  mkdirSync(dir);
  let text = readText(".env.example")
    .replace(/^TLS_DIR=.*$/m, `TLS_DIR=${dir}/tls`)
    .replace(/^SECRETS_DIR=.*$/m, `SECRETS_DIR=${dir}/secrets`);
  for (const [name, value] of Object.entries(changes)) text = text.replace(new RegExp(`^${name}=.*$`, "m"), `${name}=${value}`);
  writeFileSync(path.join(dir, "env"), text);
  return dir;
}

function deploy(dir, args, vars = {}) {
  return run("deploy/deploy.sh", ["--env-file", path.join(dir, "env"), ...args], {
    env: { PATH: process.env.PATH, COMPOSE: "docker-compose", ...vars },
  });
}

const mode = (file) => (statSync(file).mode & 0o777).toString(8);
const cert = (dir, ...args) => run("openssl", ["x509", "-in", path.join(dir, "tls/fullchain.pem"), "-noout", ...args]).stdout;
const clusterCert = (dir, ...args) => run("openssl", ["x509", "-in", path.join(dir, "secrets/cluster_tls_cert"), "-noout", ...args]).stdout;

test("--check on a fresh folder names each missing piece and starts nothing", T, () => {
  const dir = project();
  const r = deploy(dir, ["--check"]);
  assert.equal(r.status, 1);
  for (const name of secrets) assert.match(r.stderr, new RegExp(`secret ${name} is missing`));
  assert.match(r.stderr, /TLS: .*fullchain\.pem and .*privkey\.pem are needed/);
  assert.match(r.stderr, /cluster TLS: .*cluster_tls_cert and .*cluster_tls_key are needed/);
  assert.match(r.stderr, /8 problem\(s\); nothing was started/);
});

test("--prepare makes private secrets and a certificate for PUBLIC_URL's host; --check then passes", T, () => {
  const dir = project({ PUBLIC_URL: "https://viz.example.com" });
  const r = deploy(dir, ["--prepare"], { MCP_API_KEY: "a-key-from-the-environment" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mode(path.join(dir, "secrets")), "700");
  for (const name of secrets) assert.equal(mode(path.join(dir, "secrets", name)), "644", name);
  assert.equal(readFileSync(path.join(dir, "secrets/mcp_api_key"), "utf8"), "a-key-from-the-environment");
  assert.match(readFileSync(path.join(dir, "secrets/jwt_secret"), "utf8"), /^[0-9a-f]{64}$/);
  assert.equal(mode(path.join(dir, "tls/privkey.pem")), "600");
  assert.match(cert(dir, "-ext", "subjectAltName"), /DNS:viz\.example\.com/);
  assert.match(cert(dir, "-checkend", String(300 * 86400)), /will not expire/);
  // The nodes' certificate: its own CA (each node checks the others' against
  // it), readable by the node's user like the other secrets, years long.
  const cluster = path.join(dir, "secrets");
  for (const name of ["cluster_tls_cert", "cluster_tls_key"]) assert.equal(mode(path.join(cluster, name)), "644", name);
  const verified = run("openssl", ["verify", "-CAfile", `${cluster}/cluster_tls_cert`, `${cluster}/cluster_tls_cert`]);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.match(clusterCert(dir, "-checkend", String(5 * 365 * 86400)), /will not expire/);
  const check = deploy(dir, ["--check"]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /checked: /);
});

test("--prepare keeps what exists, and makes an IP certificate for an address", T, () => {
  const dir = project({ PUBLIC_URL: "https://127.0.0.1:8443", HTTPS_PORT: "8443" });
  assert.equal(deploy(dir, ["--prepare"]).status, 0);
  const made = () => secrets.map((n) => readFileSync(path.join(dir, "secrets", n), "utf8"))
    .concat(cert(dir, "-fingerprint"), clusterCert(dir, "-fingerprint"));
  const before = made();
  assert.equal(deploy(dir, ["--prepare"]).status, 0);
  const again = made();
  assert.deepEqual(again, before);
  assert.match(cert(dir, "-ext", "subjectAltName"), /IP Address:127\.0\.0\.1/);
  assert.equal(deploy(dir, ["--check"]).status, 0);
});

/** A prepared folder, then `spoil` applied; --check must fail naming `problem`. */
function refused(what, changes, spoil, problem) {
  test(`--check refuses ${what}`, T, () => {
    const dir = project(changes);
    assert.equal(deploy(dir, ["--prepare"]).status, 0);
    spoil(dir);
    const r = deploy(dir, ["--check"]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, problem);
  });
}
const nothing = () => {};
const put = (file, text) => (dir) => writeFileSync(path.join(dir, file), text);

refused("a PUBLIC_URL with a path", { PUBLIC_URL: "https://viz.example.com/" }, nothing, /PUBLIC_URL="https:\/\/viz\.example\.com\/": expected https:\/\/host/);
refused("a PUBLIC_URL on another port than HTTPS_PORT", { PUBLIC_URL: "https://localhost:8443" }, nothing, /PUBLIC_URL names port 8443 but HTTPS_PORT is 443/);
refused("quotes in a value", { LOG_LEVEL: '"info"' }, nothing, /LOG_LEVEL: quotes and spaces are taken literally/);
refused("a port that is no port", { GRAFANA_PORT: "70000" }, nothing, /GRAFANA_PORT="70000": expected a port/);
refused("a short MCP key", {}, put("secrets/mcp_api_key", "short\n"), /secret mcp_api_key: at least 16 characters/);
refused("a short JWT secret", {}, put("secrets/jwt_secret", "0123456789\n"), /secret jwt_secret: at least 32 bytes/);
refused("a short cluster secret", {}, put("secrets/cluster_secret", "0123456789\n"), /secret cluster_secret: at least 16 characters/);
refused("a cluster key that is not the cluster certificate's", {}, (dir) => {
  run("openssl", ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", path.join(dir, "secrets/cluster_tls_key")]);
}, /cluster TLS: .*cluster_tls_key is not the key of/);
refused("a Redis password its config line cannot carry", {}, put("secrets/redis_password", "a b\n"), /secret redis_password: only/);
refused("a secrets folder open to others", {}, (dir) => chmodSync(path.join(dir, "secrets"), 0o755), /open to other users: chmod 700/);
refused("a certificate for another name", {}, (dir) => {
  const tls = path.join(dir, "tls");
  run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=other.example", "-addext", "subjectAltName=DNS:other.example",
    "-keyout", `${tls}/privkey.pem`, "-out", `${tls}/fullchain.pem`]);
}, /is not made out for localhost/);
refused("a key that is not the certificate's", {}, (dir) => {
  run("openssl", ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", path.join(dir, "tls/privkey.pem")]);
}, /privkey\.pem is not the key of/);
refused("what docker-compose refuses", { AGENT_CPUS: "lots" }, nothing, /docker-compose\.yml with .*env: /);

test("--check without an env file says how to make one", T, () => {
  const r = run("deploy/deploy.sh", ["--env-file", path.join(scratch, "none"), "--check"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /none is missing: cp \.env\.example \.env/);
});

// A stand-in for the engine's side: `docker-compose` and `docker` that log
// their arguments and report every service healthy, or $UNHEALTHY unhealthy;
// agent-visualizer-2 has a container only with $CLUSTER (its profile in use).
const bin = path.join(scratch, "bin");
mkdirSync(bin);
const calls = path.join(scratch, "calls");
writeFileSync(path.join(bin, "docker-compose"), `#!/bin/sh
echo "compose $*" | sed 's/--env-file [^ ]* //' >>"${calls}"
case "$*" in
  *" ps -q agent-visualizer-2") [ -z "$CLUSTER" ] || echo id-agent-visualizer-2 ;;
  *" ps -q "*) echo "id-$(echo "$*" | awk '{print $NF}')" ;;
  *" config --services"*) printf '%s\\n' postgres redis agent-visualizer agent-visualizer-2 nginx-proxy ;;
esac
`);
writeFileSync(path.join(bin, "docker"), `#!/bin/sh
[ "$1" = inspect ] || exit 1
case "$*" in *"id-\${UNHEALTHY:-none}"*) echo unhealthy ;; *) echo healthy ;; esac
`);
for (const f of ["docker-compose", "docker"]) chmodSync(path.join(bin, f), 0o755);

function fullDeploy(vars = {}) {
  rmSync(calls, { force: true });
  const dir = project();
  const r = deploy(dir, [], { PATH: `${bin}:${process.env.PATH}`, DEPLOY_TIMEOUT: "5", ...vars });
  return { ...r, calls: readFileSync(calls, "utf8").trim().split("\n") };
}

test("a deployment builds, starts the stores, migrates, starts the rest, waits, prints URLs", T, () => {
  const r = fullDeploy();
  assert.equal(r.status, 0, r.stderr);
  const steps = r.calls.filter((c) => !/ (ps -q|config)/.test(c));
  assert.deepEqual(steps, [
    "compose build agent-visualizer",
    "compose up -d postgres redis",
    "compose run --rm --no-deps agent-visualizer migrate",
    "compose up -d --remove-orphans",
  ]);
  assert.ok(r.calls.indexOf("compose ps -q postgres") > r.calls.indexOf("compose up -d postgres redis"), "waits for the stores");
  assert.match(r.stdout, /dashboard +https:\/\/localhost\//);
  assert.match(r.stdout, /MCP +https:\/\/localhost\/mcp/);
  assert.match(r.stdout, /WebSocket +wss:\/\/localhost\/ws/);
});

test("a deployment stops at an unhealthy service, with its logs", T, () => {
  const r = fullDeploy({ UNHEALTHY: "agent-visualizer" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /agent-visualizer is unhealthy/);
  assert.ok(r.calls.includes("compose logs --tail=50 agent-visualizer"));
});

test("a deployment waits for the services it started: a profile's only when that profile is in use", T, () => {
  // docker-compose 1.29 lists every service, whatever the profiles.
  assert.equal(fullDeploy().status, 0);
  const r = fullDeploy({ CLUSTER: "1", UNHEALTHY: "agent-visualizer-2" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /agent-visualizer-2 is unhealthy/);
});
