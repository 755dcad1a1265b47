// The 3D swarm: one instanced mesh per shape, refreshed every animation
// frame from the position table without allocating per agent.

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { provenanceOf, type AgentView, type SwarmStore } from "../core/store";
import type { AgentState, Coordination } from "../core/types";
import { AutoFramer } from "./auto_framer";
import { EdgeLayer } from "./edges";
import { FrameClock } from "./frame_clock";
import { GroupLayer } from "./groups";
import { InstanceBatch, rgb } from "./instances";
import { SHAPES, STATE_COLORS, makeGeometry, shapeOf, sizeOf } from "./palette";
import { softwareRenderer } from "./renderer_kind";
import { Tooltip } from "./tooltip";

const BACKGROUND = 0x0b1020;
const STALE_COLOR = rgb(0x8b93a7);
const STATE_RGB = Object.fromEntries(
  Object.entries(STATE_COLORS).map(([k, v]) => [k, rgb(v)]),
) as Record<AgentState, Float32Array>;

export interface ViewFilters {
  agent(a: AgentView): boolean;
  coordination(c: Coordination): boolean;
}

export class SwarmView {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera: THREE.PerspectiveCamera;
  readonly controls: OrbitControls;
  /** Frozen view (`space`): agents stay where they were drawn. */
  paused = false;
  /** Only the last picture is drawn again (holdStill). */
  private still = false;
  /** Where each agent was drawn when the view paused. */
  private frozen = new Map<number, Float32Array>();
  selected = -1;
  hovered = -1;
  /** WebGL runs on the CPU (no antialiasing then). */
  readonly software: boolean;
  /** Rendered frames per second over the last second. */
  fps = 0;
  /** Frames drawn since the page loaded. */
  framesDrawn = 0;
  drawnAgents = 0;
  drawnEdges = 0;
  private batches: InstanceBatch[];
  private edges: EdgeLayer;
  private groups: GroupLayer;
  private marker: THREE.Mesh;
  private readonly raycaster = new THREE.Raycaster();
  private readonly pointer = new THREE.Vector2();
  private readonly tmp = [0, 0, 0];
  private viewNow = 0;
  private fpsFrames = 0;
  private fpsSince = 0;
  /** Where each drawn agent is, xyz triples: what framing fits. */
  private drawnXYZ = new Float32Array(3 * 256);
  /** Frames the whole swarm: first view, resizes, the fit key. */
  readonly framer: AutoFramer;
  /** Animation frame intervals and the time this view spends on each. */
  readonly clock = new FrameClock();
  /** The pointer over the canvas (canvas pixels), for label hover. */
  pointerAt: { x: number; y: number } | null = null;
  /** What the pointer is on (view/pointer.ts), kept clear of the labels. */
  readonly tooltip: Tooltip;
  private width = 1;
  private height = 1;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: SwarmStore,
    private readonly filters: ViewFilters,
  ) {
    this.software = softwareRenderer();
    this.renderer = new THREE.WebGLRenderer({ antialias: !this.software });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(BACKGROUND);
    root.appendChild(this.renderer.domElement);
    this.camera = new THREE.PerspectiveCamera(55, 1, 0.5, 20_000);
    this.camera.position.set(0, 60, 160);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.55));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(1, 2, 1.5);
    this.scene.add(sun);
    const material = new THREE.MeshLambertMaterial();
    this.batches = SHAPES.map((shape) => {
      const b = new InstanceBatch(this.scene, makeGeometry(shape), material);
      return b;
    });
    const bg = new THREE.Color(BACKGROUND);
    this.edges = new EdgeLayer(this.scene, bg);
    const labels = document.createElement("div");
    labels.className = "group-labels";
    root.appendChild(labels);
    this.groups = new GroupLayer(this.scene, labels);
    const tip = document.createElement("div");
    tip.className = "tooltip";
    tip.hidden = true;
    root.appendChild(tip);
    this.tooltip = new Tooltip(tip);
    this.marker = new THREE.Mesh(
      new THREE.SphereGeometry(1, 16, 12),
      new THREE.MeshBasicMaterial({ color: 0xffffff, wireframe: true, transparent: true, opacity: 0.7 }),
    );
    this.marker.visible = false;
    this.scene.add(this.marker);
    this.framer = new AutoFramer(this.camera, this.controls, () => ({ xyz: this.drawnXYZ, count: this.drawnAgents }));
    this.resize();
    new ResizeObserver(() => this.resize()).observe(root);
  }

  get canvas(): HTMLCanvasElement {
    return this.renderer.domElement;
  }

  resize(): void {
    this.width = Math.max(1, this.root.clientWidth);
    this.height = Math.max(1, this.root.clientHeight);
    this.renderer.setSize(this.width, this.height, false);
    this.camera.aspect = this.width / this.height;
    this.camera.updateProjectionMatrix();
    // A new shape of view: the old framing no longer fits it.
    this.framer.fitNow();
    // setSize cleared the canvas: draw now rather than show it blank until
    // the next animation frame (long with a software renderer).
    this.renderer.render(this.scene, this.camera);
  }

  /** Pauses or resumes the view; the data keeps flowing underneath. */
  setPaused(paused: boolean): void {
    this.frozen.clear();
    if (paused) {
      const t = this.store.positions;
      for (let s = 0; s < t.count; ++s) {
        const p = new Float32Array(3);
        t.drawn(s, this.viewNow, p);
        this.frozen.set(t.ids[s], p);
      }
    }
    this.paused = paused;
  }

  /** Draws one frame; `now` is the animation clock (performance.now()). */
  frame(now: number): void {
    const t0 = performance.now();
    if (!this.still) this.update(now);
    // A still picture re-sends its agents, as a moving one must.
    else for (const b of this.batches) b.end();
    this.renderer.render(this.scene, this.camera);
    this.countFrame(now);
    this.clock.record(now, performance.now() - t0);
  }

  /**
   * From now on only draws the last picture again, its agents re-sent to
   * WebGL each frame as if they had moved: no stream, edges, labels or
   * camera moves. What is left is what drawing this picture costs (the
   * benchmark's render floor); nothing turns it back.
   */
  holdStill(): void {
    this.still = true;
  }

  private update(now: number): void {
    if (!this.paused) {
      this.viewNow = now;
      this.updateAgents(now);
    }
    this.store.pruneEdges();
    this.drawnEdges = this.edges.update(this.store, Date.now(), this.drawn);
    this.updateMarker();
    this.framer.update(now, this.paused);
    this.controls.update();
    // Labels after the camera moved, so they sit on this frame's picture.
    this.camera.updateMatrixWorld();
    this.groups.update(this.store, this.camera, this.width, this.height, this.drawn, this.filters.coordination, {
      hovered: this.hovered, selected: this.selected, pointer: this.pointerAt,
    });
    this.tooltip.place({ w: this.width, h: this.height }, this.groups.clearOfLabels);
  }

  labelCounts(): { live: number; shown: number } {
    return { live: this.groups.labelCount, shown: this.groups.labelsShown };
  }

  /** Writes where `numId` is drawn into `out`; false when it is not drawn. */
  readonly drawn = (numId: number, out: number[]): boolean => {
    const s = this.store.positions.slotOf(numId);
    if (s < 0) return false;
    const a = this.store.agents.get(numId);
    if (!a || !this.filters.agent(a)) return false;
    if (this.paused) {
      const p = this.frozen.get(numId);
      if (!p) return false;
      out[0] = p[0]; out[1] = p[1]; out[2] = p[2];
      return true;
    }
    this.store.positions.drawn(s, this.viewNow, out);
    return true;
  };

  /** The agent under a point of the canvas (client coordinates), or -1. */
  pick(clientX: number, clientY: number): number {
    const r = this.canvas.getBoundingClientRect();
    this.pointer.set(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(this.pointer, this.camera);
    const meshes = this.batches.map((b) => b.mesh).filter((m) => m.count > 0);
    const hit = this.raycaster.intersectObjects(meshes, false)[0];
    if (!hit || hit.instanceId === undefined) return -1;
    const batch = this.batches.find((b) => b.mesh === hit.object);
    return batch ? batch.ids[hit.instanceId] : -1;
  }

  /** Where `numId` is on the page (client coordinates), or null. */
  screenPosition(numId: number): { x: number; y: number } | null {
    if (!this.drawn(numId, this.tmp)) return null;
    const p = new THREE.Vector3().fromArray(this.tmp).project(this.camera);
    if (p.z > 1 || Math.abs(p.x) > 1 || Math.abs(p.y) > 1) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + ((p.x + 1) / 2) * r.width, y: r.top + ((1 - p.y) / 2) * r.height };
  }

  /** A point on the plane facing the camera through `through`, under the pointer. */
  pointOnPlane(clientX: number, clientY: number, through: THREE.Vector3): THREE.Vector3 | null {
    const r = this.canvas.getBoundingClientRect();
    this.pointer.set(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(this.pointer, this.camera);
    const normal = this.camera.getWorldDirection(new THREE.Vector3());
    const plane = new THREE.Plane().setFromNormalAndCoplanarPoint(normal, through);
    return this.raycaster.ray.intersectPlane(plane, new THREE.Vector3());
  }

  positionOf(numId: number): THREE.Vector3 | null {
    return this.drawn(numId, this.tmp) ? new THREE.Vector3().fromArray(this.tmp) : null;
  }

  /** Turns the camera to `numId` and moves close to it. */
  focus(numId: number): boolean {
    const p = this.positionOf(numId);
    if (!p) return false;
    this.framer.release();
    const offset = this.camera.position.clone().sub(this.controls.target);
    offset.setLength(Math.min(offset.length(), 40));
    this.controls.target.copy(p);
    this.camera.position.copy(p).add(offset);
    return true;
  }

  /** Frames every drawn agent now and follows the swarm again (fit key, button). */
  fit(): void {
    this.framer.fitAll();
  }

  private updateAgents(now: number): void {
    const t = this.store.positions;
    const agents = this.store.agents;
    const wall = Date.now();
    for (const b of this.batches) b.begin();
    let n = 0;
    for (let s = 0; s < t.count; ++s) {
      const a = agents.get(t.ids[s]);
      if (!a || !this.filters.agent(a)) continue;
      const batch = this.batches[shapeOf(a.type)];
      const i = batch.add(a.numId);
      t.drawn(s, now, this.tmp);
      const scale = sizeOf(a.metrics?.resourceUtilization) * (a.numId === this.hovered ? 1.3 : 1);
      batch.place(i, this.tmp[0], this.tmp[1], this.tmp[2], scale);
      if (3 * n + 3 > this.drawnXYZ.length) this.growDrawn();
      this.drawnXYZ[3 * n] = this.tmp[0];
      this.drawnXYZ[3 * n + 1] = this.tmp[1];
      this.drawnXYZ[3 * n + 2] = this.tmp[2];
      const stale = provenanceOf(a, wall).label === "stale";
      batch.color(i, stale ? STALE_COLOR : STATE_RGB[a.state] ?? STALE_COLOR);
      n++;
    }
    for (const b of this.batches) b.end();
    this.drawnAgents = n;
  }

  private growDrawn(): void {
    const next = new Float32Array(2 * this.drawnXYZ.length);
    next.set(this.drawnXYZ);
    this.drawnXYZ = next;
  }

  private updateMarker(): void {
    const p = this.selected >= 0 && this.drawn(this.selected, this.tmp);
    this.marker.visible = !!p;
    if (!p) return;
    this.marker.position.fromArray(this.tmp);
    const a = this.store.agents.get(this.selected);
    this.marker.scale.setScalar(2.2 * sizeOf(a?.metrics?.resourceUtilization));
  }

  private countFrame(now: number): void {
    this.framesDrawn++;
    this.fpsFrames++;
    if (now - this.fpsSince >= 1000) {
      this.fps = (this.fpsFrames * 1000) / (now - this.fpsSince);
      this.fpsFrames = 0;
      this.fpsSince = now;
    }
  }
}
