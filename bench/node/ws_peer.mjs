// The peer of bench/ws_fanout: a minimal `ws` broadcast server that sends
// every client one binary frame per tick in agent-server's layout
// (docs/protocol.md: 36-byte header, 28 bytes per agent) with the tick time
// in milliseconds, so that the same load client measures both.
// Usage: node ws_peer.mjs --port P [--agents 500] [--rate 60]
import { WebSocketServer } from "ws";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (args.includes("--help")) {
  console.log("usage: node ws_peer.mjs --port P [--agents 500] [--rate 60]");
  process.exit(0);
}
const port = option("--port", 0);
const agents = option("--agents", 500);
const rate = option("--rate", 60);

const wss = new WebSocketServer({ host: "127.0.0.1", port, path: "/ws" });
const frame = Buffer.alloc(36 + 28 * agents);
frame.write("AVPF", 0, "latin1");
frame.writeUInt8(1, 4);
frame.writeUInt32LE(0, 24);
frame.writeUInt32LE(1, 28);
frame.writeUInt32LE(agents, 32);
for (let i = 0; i < agents; ++i) frame.writeUInt32LE(i + 1, 36 + 28 * i);

let seq = 0n;
setInterval(() => {
  seq += 1n;
  frame.writeBigUInt64LE(seq, 8);
  frame.writeBigUInt64LE(BigInt(Date.now()), 16);
  for (let i = 0; i < agents; ++i)
    frame.writeFloatLE(Math.sin(Number(seq) / 60 + i), 40 + 28 * i);
  for (const client of wss.clients)
    if (client.readyState === 1) client.send(frame);
}, 1000 / rate);
wss.on("listening", () => console.log(`listening on ${wss.address().port}`));
