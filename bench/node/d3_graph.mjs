// What the d3 runners share: reading edges from the benchmarks' binary
// graph files and d3-force-3d's default simulation.

import {
  forceSimulation, forceManyBody, forceLink, forceCenter,
} from 'd3-force-3d';

/// Reads `m` edges (u32 source, u32 target, little-endian) from `at`.
export function readLinks(view, at, m) {
  const links = new Array(m);
  for (let k = 0; k < m; ++k, at += 8) {
    links[k] = {
      source: view.getUint32(at, true),
      target: view.getUint32(at + 4, true),
    };
  }
  return links;
}

/// Default forces, as a typical d3 3D layout would use them; stopped, so
/// the caller ticks it.
export function defaultSimulation(nodes, links) {
  return forceSimulation(nodes, 3)
    .force('charge', forceManyBody())
    .force('link', forceLink(links))
    .force('center', forceCenter())
    .stop();
}
