// Coordinations as groups: lines in the pattern's topology between the
// participants, a faint shell around them, and a label with the pattern,
// status and progress.

import * as THREE from "three";
import type { SwarmStore } from "../core/store";
import type { Coordination } from "../core/types";
import { PATTERN_COLORS } from "./palette";

const LIVE = new Set(["FORMING", "ACTIVE"]);
const MAX_MESH_LINKS = 400;

export function isLive(c: Coordination): boolean {
  return LIVE.has(c.status.toUpperCase());
}

/** Index pairs joining `n` participants in `pattern`'s shape. */
export function topology(pattern: string, n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  switch (pattern) {
    case "pipeline":
      for (let i = 1; i < n; ++i) out.push([i - 1, i]);
      break;
    case "mesh":
      for (let i = 0; i < n && out.length < MAX_MESH_LINKS; ++i)
        for (let j = i + 1; j < n && out.length < MAX_MESH_LINKS; ++j) out.push([i, j]);
      break;
    case "hierarchical":
      // The first participant leads; the others report to it.
      for (let i = 1; i < n; ++i) out.push([0, i]);
      break;
    default:
      // consensus: a ring of voters.
      for (let i = 0; i < n && n > 1; ++i) out.push([i, (i + 1) % n]);
      if (n === 2) out.pop();
  }
  return out;
}

export class GroupLayer {
  private lines: THREE.LineSegments;
  private positions = new Float32Array(0);
  private colors = new Float32Array(0);
  private shells: THREE.Mesh[] = [];
  private readonly shellGeometry = new THREE.IcosahedronGeometry(1, 1);
  private labels: HTMLDivElement[] = [];
  private readonly tmp = [0, 0, 0];
  private readonly center = new THREE.Vector3();
  private readonly color = new THREE.Color();

  constructor(private readonly scene: THREE.Scene, private readonly labelRoot: HTMLElement) {
    const geometry = new THREE.BufferGeometry();
    this.lines = new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.8 }));
    this.lines.frustumCulled = false;
    this.reserve(64);
    scene.add(this.lines);
  }

  update(
    store: SwarmStore, camera: THREE.Camera, width: number, height: number,
    drawn: (numId: number, out: number[]) => boolean, shown: (c: Coordination) => boolean,
  ): void {
    let segments = 0;
    let groups = 0;
    const pts: number[][] = [];
    for (const c of store.coordinations.values()) {
      if (!isLive(c) || !shown(c)) continue;
      pts.length = 0;
      for (const id of c.participants) if (drawn(id, this.tmp)) pts.push([...this.tmp]);
      if (pts.length === 0) continue;
      this.color.setHex(PATTERN_COLORS[c.pattern] ?? 0xffffff);
      const links = topology(c.pattern, pts.length);
      this.reserve(segments + links.length);
      for (const [i, j] of links) {
        this.positions.set(pts[i], 6 * segments);
        this.positions.set(pts[j], 6 * segments + 3);
        for (let k = 0; k < 2; ++k) this.color.toArray(this.colors, 6 * segments + 3 * k);
        segments++;
      }
      this.center.set(0, 0, 0);
      for (const p of pts) this.center.add(new THREE.Vector3(p[0], p[1], p[2]));
      this.center.divideScalar(pts.length);
      let radius = 3;
      for (const p of pts) radius = Math.max(radius, this.center.distanceTo(new THREE.Vector3(p[0], p[1], p[2])) + 3);
      this.shell(groups, c, radius);
      this.label(groups, c, camera, width, height);
      groups++;
    }
    const g = this.lines.geometry;
    g.setDrawRange(0, 2 * segments);
    g.attributes.position.needsUpdate = true;
    g.attributes.color.needsUpdate = true;
    for (let i = groups; i < this.shells.length; ++i) this.shells[i].visible = false;
    for (let i = groups; i < this.labels.length; ++i) this.labels[i].style.display = "none";
  }

  private reserve(segments: number): void {
    if (6 * segments <= this.positions.length) return;
    const size = Math.max(6 * segments, 2 * this.positions.length, 6 * 64);
    const grow = (old: Float32Array) => { const x = new Float32Array(size); x.set(old); return x; };
    this.positions = grow(this.positions);
    this.colors = grow(this.colors);
    const g = this.lines.geometry;
    g.setAttribute("position", new THREE.BufferAttribute(this.positions, 3).setUsage(THREE.DynamicDrawUsage));
    g.setAttribute("color", new THREE.BufferAttribute(this.colors, 3).setUsage(THREE.DynamicDrawUsage));
  }

  private shell(i: number, c: Coordination, radius: number): void {
    if (!this.shells[i]) {
      const m = new THREE.Mesh(this.shellGeometry, new THREE.MeshBasicMaterial({ wireframe: true, transparent: true, opacity: 0.15 }));
      this.scene.add(m);
      this.shells[i] = m;
    }
    const m = this.shells[i];
    m.visible = true;
    m.position.copy(this.center);
    m.scale.setScalar(radius);
    (m.material as THREE.MeshBasicMaterial).color.setHex(PATTERN_COLORS[c.pattern] ?? 0xffffff);
  }

  private label(i: number, c: Coordination, camera: THREE.Camera, width: number, height: number): void {
    if (!this.labels[i]) {
      const div = document.createElement("div");
      div.className = "group-label";
      div.innerHTML = `<span></span><div class="bar"><div></div></div>`;
      this.labelRoot.appendChild(div);
      this.labels[i] = div;
    }
    const div = this.labels[i];
    const p = this.center.clone().project(camera);
    if (p.z > 1) {
      div.style.display = "none";
      return;
    }
    div.style.display = "";
    div.style.transform = `translate(${((p.x + 1) / 2) * width}px, ${((1 - p.y) / 2) * height}px)`;
    const pct = Math.round(c.progress * 100);
    (div.firstElementChild as HTMLElement).textContent = `${c.pattern} · ${c.status.toLowerCase()} · ${pct}%`;
    ((div.lastElementChild as HTMLElement).firstElementChild as HTMLElement).style.width = `${pct}%`;
    div.dataset.coordination = c.id;
  }
}
