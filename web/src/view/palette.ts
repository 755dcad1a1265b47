// How agents look: shape by type, colour by state, size by load.

import * as THREE from "three";
import type { AgentState } from "../core/types";

export const STATE_COLORS: Record<AgentState, number> = {
  IDLE: 0x4ea1ff,
  BUSY: 0xffb020,
  ERROR: 0xff4d4f,
  TERMINATED: 0x6b7280,
};

export const PATTERN_COLORS: Record<string, number> = {
  hierarchical: 0xc084fc,
  mesh: 0x34d399,
  pipeline: 0xf472b6,
  consensus: 0xfacc15,
};

/** One geometry per shape; types map onto shapes. */
export const SHAPES = ["sphere", "box", "cone", "octahedron", "tetrahedron", "cylinder", "torus", "dodecahedron"] as const;
export type Shape = (typeof SHAPES)[number];

const TYPE_SHAPES: Record<string, Shape> = {
  researcher: "sphere",
  coder: "box",
  tester: "cone",
  coordinator: "octahedron",
  analyst: "tetrahedron",
  reviewer: "cylinder",
  optimizer: "torus",
  architect: "dodecahedron",
  documenter: "box",
  monitor: "sphere",
};

export function shapeOf(type: string): number {
  const known = TYPE_SHAPES[type];
  if (known) return SHAPES.indexOf(known);
  let h = 0;
  for (let i = 0; i < type.length; ++i) h = (h * 31 + type.charCodeAt(i)) >>> 0;
  return h % SHAPES.length;
}

export function shapeName(type: string): Shape {
  return SHAPES[shapeOf(type)];
}

export function makeGeometry(shape: Shape): THREE.BufferGeometry {
  switch (shape) {
    case "sphere": return new THREE.SphereGeometry(1, 10, 6);
    case "box": return new THREE.BoxGeometry(1.5, 1.5, 1.5);
    case "cone": return new THREE.ConeGeometry(1, 2, 10);
    case "octahedron": return new THREE.OctahedronGeometry(1.2);
    case "tetrahedron": return new THREE.TetrahedronGeometry(1.3);
    case "cylinder": return new THREE.CylinderGeometry(0.9, 0.9, 1.6, 10);
    case "torus": return new THREE.TorusGeometry(0.9, 0.35, 5, 10);
    case "dodecahedron": return new THREE.DodecahedronGeometry(1.1);
  }
}

/** Scale for a resource utilization in 0..1 (unknown: a middle size). */
export function sizeOf(utilization: number | undefined): number {
  const u = utilization === undefined || !Number.isFinite(utilization) ? 0.3 : Math.min(1, Math.max(0, utilization));
  return 0.7 + 1.3 * u;
}
