// The image's recipe and the scripts it runs: deploy/Dockerfile (linted and
// read with a Dockerfile parser), the package lists it installs, and
// deploy/docker-entrypoint.sh driven with a stand-in server.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { DockerfileParser } from "dockerfile-ast";
import { env, readText, root, run } from "./helpers.mjs";

const T = { timeout: 60000 };
const dockerfile = DockerfileParser.parse(readText("deploy/Dockerfile"));
const scratch = mkdtempSync(path.join(tmpdir(), "av-image-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const bash = (script, opts) => run("bash", ["-c", script], opts);

test("the Dockerfile linter finds nothing", T, () => {
  const r = run(path.join(root, "tests/deploy/node_modules/.bin/dockerfile-utils"), ["lint", "deploy/Dockerfile"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), "");
});

test("two stages from pinned Debian 12; the image runs as a user, checks /health, migrates first", T, () => {
  const froms = dockerfile.getFROMs().map((f) => [f.getImageName(), f.getImageTag(), f.getBuildStage()]);
  assert.deepEqual(froms, [["debian", "12.11", "build"], ["debian", "12.11-slim", "runtime"]]);
  const runtime = dockerfile.getInstructions().filter((i) => i.getRange().start.line > dockerfile.getFROMs()[1].getRange().start.line);
  const last = (keyword) => runtime.filter((i) => i.getKeyword() === keyword).at(-1)?.getArgumentsContent();
  assert.match(last("USER"), /^agent$/);
  assert.match(last("HEALTHCHECK"), /curl -fsS .*\/health/);
  assert.equal(last("ENTRYPOINT"), '["/usr/local/bin/docker-entrypoint.sh"]');
  assert.equal(last("CMD"), '["serve"]');
  assert.match(last("ENV"), /BIND_ADDRESS=0\.0\.0\.0/);
  // What COPY takes from the repository is there.
  for (const copy of dockerfile.getInstructions().filter((i) => i.getKeyword() === "COPY")) {
    if (copy.getFromFlag()) continue;
    const args = copy.getArguments().map((a) => a.getValue());
    for (const source of args.slice(0, -1)) assert.ok(existsSync(path.join(root, source)), `COPY ${source}`);
  }
});

test("secrets, keys and local builds stay out of the build context", T, () => {
  const ignored = readText(".dockerignore").split("\n").filter((l) => l && !l.startsWith("#"));
  for (const pattern of [".env", "deploy/secrets", "deploy/tls", "**/*.pem", "**/*.key", "build", "**/node_modules"]) {
    assert.ok(ignored.includes(pattern), `.dockerignore lacks ${pattern}`);
  }
});

test("the image's package sections of apt.txt name installed Debian packages", T, () => {
  for (const tag of ["build", "runtime"]) {
    const r = bash(`source scripts/lib.sh && av_packages ${tag}`);
    const packages = r.stdout.trim().split("\n");
    assert.ok(packages.length > 0 && packages[0] !== "", `[${tag}] is empty`);
    const q = run("dpkg-query", ["-W", "-f", "${Package} ${Status}\\n", ...packages]);
    assert.equal(q.status, 0, q.stderr);
    for (const line of q.stdout.trim().split("\n")) assert.match(line, / install ok installed$/);
  }
  const all = bash("source scripts/lib.sh && av_packages").stdout.trim().split("\n");
  assert.ok(all.includes("cmake") && all.includes("nginx") && all.includes("curl"), "untagged listing has them all");
});

test("runtime-packages finds a package for every library agent-server links, none of them -dev", T, () => {
  const server = env("AV_SERVER");
  const r = run("scripts/deps/runtime-packages", [server]);
  assert.equal(r.status, 0, r.stderr);
  const packages = r.stdout.trim().split("\n");
  for (const p of packages) assert.doesNotMatch(p, /-dev(:|$)/);
  // Independently: each NEEDED library is a file of one of those packages.
  const files = run("dpkg", ["-L", ...packages.map((p) => p.split(":")[0])]).stdout.split("\n").map((f) => path.basename(f));
  const needed = [...run("objdump", ["-p", server]).stdout.matchAll(/^\s+NEEDED\s+(\S+)$/gm)].map((m) => m[1]);
  assert.ok(needed.includes(needed.find((n) => n.startsWith("libcaf_core"))), "links CAF");
  for (const lib of needed) assert.ok(files.includes(lib), `${lib} is in none of ${packages.join(" ")}`);
});

// A stand-in for agent-server that writes its arguments and the variables
// the entrypoint sets to $LOG, and fails `migrate` when FAIL_MIGRATE is set.
const fake = path.join(scratch, "fake-server");
const log = path.join(scratch, "calls");
writeFileSync(fake, `#!/bin/sh
echo "$* | key=\${MCP_API_KEY-unset} keyfile=\${MCP_API_KEY_FILE-unset} db=\${DATABASE_URL-unset} dbfile=\${DATABASE_PASSWORD_FILE-unset} cluster=\${CLUSTER_SECRET-unset} clusterfile=\${CLUSTER_SECRET_FILE-unset}" >>"$LOG"
[ "$1" = migrate ] && [ -n "$FAIL_MIGRATE" ] && exit 3
exit 0
`);
chmodSync(fake, 0o755);

/** Runs the entrypoint with the stand-in; resolves to {status, calls, stderr}. */
function entrypoint(args, vars = {}) {
  rmSync(log, { force: true });
  const r = run("deploy/docker-entrypoint.sh", args, { env: { PATH: process.env.PATH, AGENT_SERVER: fake, LOG: log, ...vars } });
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, calls, stderr: r.stderr };
}

const secretFile = (name, text) => {
  const file = path.join(scratch, name);
  writeFileSync(file, `${text}\n`);
  return file;
};

test("the entrypoint migrates before serving when there is a database, and only then", T, () => {
  const db = { DATABASE_URL: "postgresql://u@db/av" };
  assert.deepEqual(entrypoint(["serve", "--demo", "5"], db).calls.map((c) => c.split(" | ")[0]), ["migrate", "serve --demo 5"]);
  assert.deepEqual(entrypoint([], db).calls.map((c) => c.split(" | ")[0]), ["migrate", ""]);
  for (const args of [["migrate", "--status"], ["--print-config"], ["mcp", "--stdio"], ["--version"]]) {
    assert.deepEqual(entrypoint(args, db).calls.map((c) => c.split(" | ")[0]), [args.join(" ")], args.join(" "));
  }
  assert.deepEqual(entrypoint(["serve"], {}).calls.map((c) => c.split(" | ")[0]), ["serve"]);
  assert.deepEqual(entrypoint(["serve"], { ...db, MIGRATE_ON_START: "false" }).calls.map((c) => c.split(" | ")[0]), ["serve"]);
  const failed = entrypoint(["serve"], { ...db, FAIL_MIGRATE: "1" });
  assert.notEqual(failed.status, 0);
  assert.deepEqual(failed.calls.map((c) => c.split(" | ")[0]), ["migrate"]);
  assert.match(failed.stderr, /migrations failed; the server was not started/);
});

test("the entrypoint loads secrets from files and passes no *_FILE on", T, () => {
  const r = entrypoint(["serve"], {
    MCP_API_KEY_FILE: secretFile("key", "k-0123456789abcdef"),
    DATABASE_URL: "postgresql://agent_user@postgres:5432/agent_db",
    DATABASE_PASSWORD_FILE: secretFile("pw", "p@ss:w/rd%?#é"),
    CLUSTER_SECRET_FILE: secretFile("cluster", "c-0123456789abcdef"),
    MIGRATE_ON_START: "false",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.calls[0], "serve | key=k-0123456789abcdef keyfile=unset db=postgresql://agent_user:p%40ss%3Aw%2Frd%25%3F%23%C3%A9@postgres:5432/agent_db dbfile=unset cluster=c-0123456789abcdef clusterfile=unset");
});

test("the entrypoint's percent-encoding agrees with Python's urllib", T, () => {
  for (const text of ["plain", "p@ss:w/rd%?#é", " !\"$&'()*+,;=[]\\^`{|}~", "日本"]) {
    const vars = { env: { ...process.env, TEXT: text } };
    const ours = bash('source deploy/docker-entrypoint.sh && percent_encode "$TEXT"', vars);
    const python = run("python3", ["-c", "import os, urllib.parse; print(urllib.parse.quote(os.environ['TEXT'], safe=''), end='')"], vars);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, python.stdout, text);
  }
});

test("the entrypoint refuses a secret set twice, an unreadable file, a URL with a password", T, () => {
  const twice = entrypoint(["serve"], { JWT_SECRET: "x", JWT_SECRET_FILE: secretFile("jwt", "y") });
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /both JWT_SECRET and JWT_SECRET_FILE are set/);
  const missing = entrypoint(["serve"], { MCP_API_KEY_FILE: path.join(scratch, "none") });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*none/);
  const doubled = entrypoint(["serve"], { REDIS_URL: "redis://:old@redis:6379/0", REDIS_PASSWORD_FILE: secretFile("r", "new") });
  assert.equal(doubled.status, 2);
  assert.match(doubled.stderr, /has a password already/);
  for (const r of [twice, missing, doubled]) assert.deepEqual(r.calls, [], "the server never started");
});

test("redis-start refuses a password that its config line cannot carry", T, () => {
  const r = run("deploy/redis/redis-start.sh", ["--port", "1"], { env: { PATH: process.env.PATH, REDIS_PASSWORD_FILE: secretFile("redis", "two words") } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /must be made of A-Z a-z 0-9/);
});
