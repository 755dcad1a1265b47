// Times d3-force-3d on a graph written by av_bench_physics.
// usage: node d3_physics.mjs GRAPH_FILE TICKS [WARMUP]
// GRAPH_FILE: u32 n, u32 m, n * (f32 x, y, z), m * (u32 source, u32 target),
// little-endian. Prints one JSON line with the milliseconds per tick.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { defaultSimulation, readLinks } from './d3_graph.mjs';

const [file, ticksArg, warmupArg = '3'] = process.argv.slice(2);
if (!file || !ticksArg) {
  console.error('usage: node d3_physics.mjs GRAPH_FILE TICKS [WARMUP]');
  process.exit(2);
}
const ticks = Number(ticksArg);
const warmup = Number(warmupArg);

const buf = readFileSync(file);
const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
const n = view.getUint32(0, true);
const m = view.getUint32(4, true);
const nodes = new Array(n);
let at = 8;
for (let i = 0; i < n; ++i, at += 12) {
  nodes[i] = {
    x: view.getFloat32(at, true),
    y: view.getFloat32(at + 4, true),
    z: view.getFloat32(at + 8, true),
  };
}
const links = readLinks(view, at, m);

const sim = defaultSimulation(nodes, links);

for (let i = 0; i < warmup; ++i) sim.tick();
const t0 = performance.now();
for (let i = 0; i < ticks; ++i) sim.tick();
const t1 = performance.now();
console.log(JSON.stringify({ n, m, ticks, ms_per_tick: (t1 - t0) / ticks }));
