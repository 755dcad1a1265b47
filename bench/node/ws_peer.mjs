// The peer of bench/ws_fanout: a minimal `ws` broadcast server that sends
// every client one binary frame per tick in agent-server's layout
// (docs/protocol.md) with the tick time in milliseconds, so that the same
// load client measures both. `--record-bytes 28` (the default) sends the
// float layout (36-byte header, 28 bytes per agent); 16 sends the size of the
// quantized one (flag bit 1, 44-byte header, 16 bytes per agent).
// Usage: node ws_peer.mjs --port P [--agents 500] [--rate 60]
//                         [--record-bytes 28|16]
import { WebSocketServer } from "ws";

const usage =
  "usage: node ws_peer.mjs --port P [--agents 500] [--rate 60] " +
  "[--record-bytes 28|16]";
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (args.includes("--help")) {
  console.log(usage);
  process.exit(0);
}
const port = option("--port", 0);
const agents = option("--agents", 500);
const rate = option("--rate", 60);
const recordBytes = option("--record-bytes", 28);
const layouts = {
  28: { header: 36, flags: 0 },
  16: { header: 44, flags: 2 },
};
const layout = layouts[recordBytes];
if (!layout) {
  console.error(`--record-bytes must be 28 or 16\n${usage}`);
  process.exit(2);
}

const wss = new WebSocketServer({ host: "127.0.0.1", port, path: "/ws" });
const frame = Buffer.alloc(layout.header + recordBytes * agents);
frame.write("AVPF", 0, "latin1");
frame.writeUInt8(1, 4);
frame.writeUInt8(layout.flags, 5);
frame.writeUInt32LE(0, 24);
frame.writeUInt32LE(1, 28);
frame.writeUInt32LE(agents, 32);
const record = (i) => layout.header + recordBytes * i;
for (let i = 0; i < agents; ++i) frame.writeUInt32LE(i + 1, record(i));

let seq = 0n;
// Ticks at exactly `rate` per second: setInterval(1000 / 60) rounds to
// whole milliseconds and drifts to 62 Hz, which would make the peer send
// more frames than the servers it is compared with.
const period = 1000 / rate;
let next = performance.now();
const schedule = () => {
  next += period;
  setTimeout(tick, Math.max(0, next - performance.now()));
};
const tick = () => {
  seq += 1n;
  frame.writeBigUInt64LE(seq, 8);
  frame.writeBigUInt64LE(BigInt(Date.now()), 16);
  for (let i = 0; i < agents; ++i) {
    const x = Math.sin(Number(seq) / 60 + i);
    if (recordBytes === 28) frame.writeFloatLE(x, record(i) + 4);
    else frame.writeInt16LE(Math.round(x * 32767), record(i) + 4);
  }
  for (const client of wss.clients)
    if (client.readyState === 1) client.send(frame);
  schedule();
};
schedule();
wss.on("listening", () => console.log(`listening on ${wss.address().port}`));
