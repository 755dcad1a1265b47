// Lays out a graph written by av_bench_layout_quality with d3-force-3d's
// defaults until the simulation stops by itself (alpha below alphaMin, as
// its timer does), and writes the positions back.
// usage: node d3_layout.mjs GRAPH_FILE OUT_FILE
// GRAPH_FILE: u32 n, u32 m, m * (u32 source, u32 target), little-endian.
// OUT_FILE: u32 ticks, n * (f32 x, y, z), little-endian.

import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { defaultSimulation, readLinks } from './d3_graph.mjs';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node d3_layout.mjs GRAPH_FILE OUT_FILE');
  process.exit(2);
}

const buf = readFileSync(file);
const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
const n = view.getUint32(0, true);
const m = view.getUint32(4, true);
// No positions: d3 places nodes itself, as it does by default.
const nodes = Array.from({ length: n }, () => ({}));
const links = readLinks(view, 8, m);

const sim = defaultSimulation(nodes, links);

const t0 = performance.now();
let ticks = 0;
while (sim.alpha() >= sim.alphaMin()) {
  sim.tick();
  ++ticks;
}
const ms = performance.now() - t0;

const res = Buffer.alloc(4 + n * 12);
res.writeUInt32LE(ticks, 0);
nodes.forEach((d, i) => {
  res.writeFloatLE(d.x, 4 + i * 12);
  res.writeFloatLE(d.y, 8 + i * 12);
  res.writeFloatLE(d.z, 12 + i * 12);
});
writeFileSync(out, res);
console.log(JSON.stringify({ n, m, ticks, ms }));
