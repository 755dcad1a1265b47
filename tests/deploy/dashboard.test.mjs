// The real dashboard (web/dist) in Debian's Chromium through the proxy: the
// Content-Security-Policy lets it run, and it reaches the API and opens its
// WebSocket on the page's own origin, as it does behind the stack's nginx.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { env, publicOrigin, run } from "./helpers.mjs";

const built = existsSync(path.join(env("AV_DEPLOY_WEB_ROOT"), "assets"));
const profile = mkdtempSync(path.join(tmpdir(), "av-chromium-"));
after(() => rmSync(profile, { recursive: true, force: true }));

test("the dashboard runs under the CSP, loads the snapshot and streams over wss", {
  timeout: 120000,
  skip: !built && "web/dist is not built (scripts/test builds it in an earlier stage)",
}, () => {
  const agent = `av-deploy-test-${process.pid}`;
  // Virtual time lets the page run ten seconds of its timers, then the
  // screenshot ends Chromium. The certificate is the test's self-signed one.
  const r = run("timeout", [
    "90", process.env.CHROMIUM ?? "/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
    "--ignore-certificate-errors", "--enable-logging=stderr", "--v=0", `--user-data-dir=${profile}`,
    `--user-agent=${agent}`, "--virtual-time-budget=10000", `--screenshot=${path.join(profile, "page.png")}`,
    `${publicOrigin()}/`,
  ]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.deepEqual(r.stderr.split("\n").filter((l) => /Content Security Policy|Refused to/.test(l)), []);
  // What the page asked of nginx, and what it got.
  const asked = readFileSync(env("AV_DEPLOY_NGINX_LOG"), "utf8").split("\n").filter((l) => l.includes(agent));
  const answer = (pattern) => asked.map((l) => /"GET (\S+) HTTP\/1\.1" (\d+)/.exec(l)).find((m) => m && pattern.test(m[1]))?.[2];
  assert.equal(answer(/^\/assets\/.*\.js$/), "200", "the script");
  assert.equal(answer(/^\/api\/snapshot/), "200", "the snapshot");
  assert.equal(answer(/^\/ws/), "101", "the WebSocket upgrade");
});
