// Coordinations as groups: lines in the pattern's topology between the
// participants, a faint shell around them, and a label with the pattern,
// status and progress; labels never cover each other (label_layout.ts).

import * as THREE from "three";
import type { SwarmStore } from "../core/store";
import type { Coordination } from "../core/types";
import { LabelLayout, onLabel, type Free, type LabelCandidate } from "./label_layout";
import { PATTERN_COLORS } from "./palette";

const LIVE = new Set(["FORMING", "ACTIVE"]);
const MAX_MESH_LINKS = 400;
/** A label's box, px: fixed in style.css (.group-label) so layout needs no DOM reads. */
export const LABEL_SIZE = { w: 176, h: 22 };

/** What the user points at: its group's label shows before the others. */
export interface LabelFocus {
  hovered: number;
  selected: number;
  /** The pointer on the view, px. */
  pointer: { x: number; y: number } | null;
}

interface Label {
  div: HTMLDivElement;
  text: HTMLElement;
  bar: HTMLElement;
  shown: string;
  transform: string;
  caption: string;
  width: string;
}

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
  private labels: Label[] = [];
  private readonly layout = new LabelLayout();
  private readonly candidates: LabelCandidate[] = [];
  private readonly offsets: number[] = [];
  /** Labels of live, shown groups, and how many the layout showed. */
  labelCount = 0;
  labelsShown = 0;
  /**
   * Whether a box on the view covers none of this frame's shown labels;
   * then, a looser test: none of the hovered or selected agent's groups'.
   */
  readonly clearOfLabels: readonly Free[] = [
    (l, t, r, b) => this.layout.isFree(l, t, r, b),
    (l, t, r, b) => this.layout.isFree(l, t, r, b, true),
  ];
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
    drawn: (numId: number, out: number[]) => boolean, shown: (c: Coordination) => boolean, focus: LabelFocus,
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
      this.candidate(groups, c, camera, width, height, focus);
      groups++;
    }
    const g = this.lines.geometry;
    g.setDrawRange(0, 2 * segments);
    g.attributes.position.needsUpdate = true;
    g.attributes.color.needsUpdate = true;
    for (let i = groups; i < this.shells.length; ++i) this.shells[i].visible = false;
    this.candidates.length = groups;
    this.layout.place(this.candidates, LABEL_SIZE, { w: width, h: height }, this.offsets);
    this.labelCount = groups;
    this.labelsShown = 0;
    for (let i = 0; i < this.labels.length; ++i) {
      const c = this.candidates[i];
      const dy = i < groups ? this.offsets[i] : NaN;
      if (Number.isNaN(dy)) {
        this.write(this.labels[i], "shown", "none", (d, v) => { d.style.display = v; });
        continue;
      }
      this.labelsShown++;
      const l = this.labels[i];
      this.write(l, "shown", "", (d, v) => { d.style.display = v; });
      this.write(l, "transform", `translate(${Math.round(c.x - LABEL_SIZE.w / 2)}px, ${Math.round(c.y + dy)}px)`,
        (d, v) => { d.style.transform = v; });
    }
  }

  /** Writes a label's style or text only when it changed: DOM writes are the cost here. */
  private write<K extends "shown" | "transform">(l: Label, key: K, value: string, set: (d: HTMLDivElement, v: string) => void): void {
    if (l[key] === value) return;
    l[key] = value;
    set(l.div, value);
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

  /** The label of group `i`: its text now, its place once all are known. */
  private candidate(i: number, c: Coordination, camera: THREE.Camera, width: number, height: number, focus: LabelFocus): void {
    if (!this.labels[i]) {
      const div = document.createElement("div");
      div.className = "group-label";
      div.innerHTML = `<span></span><div class="bar"><div></div></div>`;
      div.style.display = "none";
      this.labelRoot.appendChild(div);
      const text = div.firstElementChild as HTMLElement;
      const bar = (div.lastElementChild as HTMLElement).firstElementChild as HTMLElement;
      this.labels[i] = { div, text, bar, shown: "none", transform: "", caption: "", width: "" };
    }
    const l = this.labels[i];
    const p = this.center.clone().project(camera);
    const x = ((p.x + 1) / 2) * width;
    const y = ((1 - p.y) / 2) * height;
    const focused = c.participants.includes(focus.hovered) || c.participants.includes(focus.selected);
    const first = onLabel(focus.pointer, x, y, LABEL_SIZE);
    // Behind the camera: no place on the view.
    this.candidates[i] = { x: p.z > 1 ? NaN : x, y, depth: camera.position.distanceTo(this.center), first, focused };
    const pct = Math.round(c.progress * 100);
    const caption = `${c.pattern} · ${c.status.toLowerCase()} · ${pct}%`;
    if (l.caption !== caption) {
      l.caption = caption;
      l.text.textContent = caption;
      l.div.title = caption;
    }
    if (l.width !== `${pct}%`) {
      l.width = `${pct}%`;
      l.bar.style.width = l.width;
    }
    if (l.div.dataset.coordination !== c.id) l.div.dataset.coordination = c.id;
  }
}
