// The shell as a person uses it: in a real terminal (tmux), with Tab
// completion, history, `top` redrawing in place and `trace` showing a
// message sent through the API while it runs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { binary } from "../../node/agent_server.mjs";
import { KEY, api, spawnAgent, startNode, until } from "./helpers.mjs";

const socket = `av-shell-test-${process.pid}`;
const tmux = (...args) =>
  execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const pane = () => tmux("capture-pane", "-p", "-t", "shell");
const lastLine = () => pane().split("\n").filter((l) => l.trim()).at(-1) ?? "";
const keys = (...xs) => tmux("send-keys", "-t", "shell", ...xs);

let node;
let dir;
let one;
let two;

before(async () => {
  node = await startNode("term");
  one = await spawnAgent(node, "coder-one");
  two = await spawnAgent(node, "coder-two");
  dir = mkdtempSync(path.join(tmpdir(), "av-shell-"));
  const command = [
    "env", `HOME=${dir}`, "TERM=xterm", binary, "shell", "--connect",
    `127.0.0.1:${node.ready.cluster_port}`, "--key", KEY,
  ].join(" ");
  tmux("new-session", "-d", "-s", "shell", "-x", "200", "-y", "50", command);
  await until("the prompt", () => lastLine() === "term>");
});

after(async () => {
  try { tmux("kill-server"); } catch { /* gone already */ }
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("Tab completes commands and agent names", async () => {
  keys("ag", "Tab");
  await until("ag completed to agent", () => lastLine() === "term> agent");
  keys("s", "Enter");
  await until("the listing", () => pane().includes("2 of 2 agents"));
  keys("agent coder-o", "Tab");
  await until("the name completed", () => lastLine() === "term> agent coder-one");
  keys("Enter");
  await until("the agent", () => /^id:\s+/m.test(pane()) && pane().includes(one.id));
});

test("Up recalls earlier lines", async () => {
  keys("Up");
  await until("the last line back", () => lastLine() === "term> agent coder-one");
  keys("Up");
  await until("the one before", () => lastLine() === "term> agents");
  keys("C-u", "Enter");
});

test("top redraws in place every second until q", async () => {
  keys("top --limit 5", "Enter");
  const physics = () => {
    const text = pane();
    const row = text.split("\n").find((l) => /^term\s+physics\s/.test(l));
    return row && { text, processed: Number(row.trim().split(/\s+/)[4]) };
  };
  const first = await until("top's first screen", physics);
  const later = await until("a redraw with more messages processed", () => {
    const x = physics();
    return x && x.processed > first.processed && x;
  });
  // In place: the screen holds one listing, not one after the other.
  assert.equal(later.text.match(/^top - node term/gm).length, 1);
  keys("q");
  await until("the prompt after q", () => lastLine() === "term>");
});

test("trace shows a message sent through the API while it runs", async () => {
  keys("trace coder-one", "Enter");
  await until("trace running", () => pane().includes(`tracing agent ${one.numId} (coder-one)`));
  await until("the message in the trace", async () => {
    await api(node, "POST", "/api/messages", { from: "coder-one", to: "coder-two", content: "hi" });
    return new RegExp(`message\\.sent .*from=${one.numId} .*to=${two.numId}`).test(pane());
  });
  keys("C-c");
  await until("the prompt after Ctrl-C", () => lastLine() === "term>");
});

test("history is kept in ~/.av_shell_history", async () => {
  keys("quit", "Enter");
  await until("the shell ended", () => {
    try { tmux("has-session", "-t", "shell"); return false; } catch { return true; }
  });
  // libedit's format: a header line, then one line each, blanks as \040.
  const lines = readFileSync(path.join(dir, ".av_shell_history"), "utf8").split("\n")
    .map((l) => l.replaceAll("\\040", " ").trim());
  assert.equal(lines[0], "_HiStOrY_V2_");
  for (const line of ["agents", "agent coder-one", "top --limit 5", "trace coder-one", "quit"])
    assert.ok(lines.includes(line), `${line} in ${lines}`);
});
