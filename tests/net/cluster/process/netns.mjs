// Network namespaces for the cluster's process tests: one per node, each
// with a veth pair to a bridge in this namespace on a /24 of its own, so
// that a node can be cut off (its link down) while it runs. Needs root and
// `ip`; `available()` says why not where they are refused.
import { execFileSync } from "node:child_process";

const ip = (...args) => execFileSync("ip", args, { stdio: "pipe" }).toString();

/** Empty when namespaces can be made here, else why not. */
export function available() {
  const probe = `avprobe${process.pid % 100000}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return "";
  } catch (e) {
    return (e.stderr?.toString() || e.message).trim();
  }
}

/** `count` namespaces on a bridge; `destroy()` removes them all. */
export function makeNet(count) {
  const id = String(process.pid % 10000);
  const subnet = `10.213.${process.pid % 250}`;
  const bridge = `avbr${id}`;
  const nodes = [];
  const made = [];
  try {
    ip("link", "add", bridge, "type", "bridge");
    made.push(() => ip("link", "del", bridge));
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    for (let i = 0; i < count; ++i) {
      const ns = `av${id}n${i}`;
      const host = `avh${id}n${i}`;
      const peer = `avp${id}n${i}`;
      const addr = `${subnet}.${10 + i}`;
      ip("netns", "add", ns);
      made.push(() => ip("netns", "del", ns));
      ip("link", "add", host, "type", "veth", "peer", "name", peer);
      made.push(() => { try { ip("link", "del", host); } catch { /* gone with its namespace */ } });
      ip("link", "set", peer, "netns", ns);
      ip("link", "set", host, "master", bridge, "up");
      ip("netns", "exec", ns, "ip", "addr", "add", `${addr}/24`, "dev", peer);
      ip("netns", "exec", ns, "ip", "link", "set", peer, "up");
      ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
      nodes.push({ ns, addr, link: host, prefix: ["ip", "netns", "exec", ns] });
    }
  } catch (e) {
    for (const undo of made.reverse()) try { undo(); } catch { /* best effort */ }
    throw e;
  }
  return {
    nodes,
    /** Cuts node `i` off: its link goes down, its connections stay open. */
    cut(i) { ip("link", "set", nodes[i].link, "down"); },
    heal(i) { ip("link", "set", nodes[i].link, "up"); },
    destroy() {
      for (const undo of made.reverse()) try { undo(); } catch { /* best effort */ }
    },
  };
}
