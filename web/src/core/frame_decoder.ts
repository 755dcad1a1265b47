// Decodes AVPF position frames (docs/protocol.md, "Position frames"), in
// both forms: 32-bit floats, or 16-bit integers times a scale per part.
// Records are read through typed-array views over the message itself, so a
// frame of any size costs two view objects and no per-agent allocation.

export const FRAME_VERSION = 1;
export const HEADER_BYTES = 36;
export const RECORD_BYTES = 28;
/** The quantized header ends with the position and velocity scales. */
export const QUANTIZED_HEADER_BYTES = 44;
export const QUANTIZED_RECORD_BYTES = 16;
/** Largest magnitude of a quantized component. */
export const QUANTIZED_MAX = 32767;
const RECORD_WORDS = RECORD_BYTES / 4;
const QUANTIZED_RECORD_WORDS = QUANTIZED_RECORD_BYTES / 4;
const QUANTIZED_RECORD_HALVES = QUANTIZED_RECORD_BYTES / 2;
const FLAG_KEYFRAME = 1;
const FLAG_QUANTIZED = 2;

/** How a viewer asks for its frames in `subscribe`. */
export type FrameFormat = "float" | "quantized";

/** The header of one frame part; reused between frames by the caller. */
export interface FrameHeader {
  keyframe: boolean;
  /** Frame sequence (one per physics tick); exact below 2^53. */
  frameSeq: number;
  timeMs: number;
  part: number;
  parts: number;
  count: number;
  quantized: boolean;
  /** Quantized frames: a component is its integer times the scale; 0 otherwise. */
  positionScale: number;
  velocityScale: number;
}

export function emptyHeader(): FrameHeader {
  return {
    keyframe: false, frameSeq: 0, timeMs: 0, part: 0, parts: 0, count: 0,
    quantized: false, positionScale: 0, velocityScale: 0,
  };
}

/** Why a binary message was not a frame. */
export type FrameError = "short" | "magic" | "version" | "length";

/** Receives each record of a frame; the arguments are plain numbers. */
export interface RecordSink {
  place(numId: number, x: number, y: number, z: number, vx: number, vy: number, vz: number): void;
}

function u64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

/** Reads the header into `out`; returns an error, or null for a valid frame. */
export function readFrameHeader(buffer: ArrayBuffer, out: FrameHeader): FrameError | null {
  if (buffer.byteLength < HEADER_BYTES) return "short";
  const view = new DataView(buffer);
  // "AVPF" in byte order.
  if (view.getUint32(0, false) !== 0x41565046) return "magic";
  if (view.getUint8(4) !== FRAME_VERSION) return "version";
  const flags = view.getUint8(5);
  out.keyframe = (flags & FLAG_KEYFRAME) !== 0;
  out.quantized = (flags & FLAG_QUANTIZED) !== 0;
  out.frameSeq = u64(view, 8);
  out.timeMs = u64(view, 16);
  out.part = view.getUint32(24, true);
  out.parts = view.getUint32(28, true);
  out.count = view.getUint32(32, true);
  const [header, record] = out.quantized
    ? [QUANTIZED_HEADER_BYTES, QUANTIZED_RECORD_BYTES]
    : [HEADER_BYTES, RECORD_BYTES];
  if (buffer.byteLength !== header + out.count * record) return "length";
  out.positionScale = out.quantized ? view.getFloat32(36, true) : 0;
  out.velocityScale = out.quantized ? view.getFloat32(40, true) : 0;
  return null;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function placeFloats(buffer: ArrayBuffer, n: number, sink: RecordSink): void {
  if (littleEndian) {
    // The header and records are multiples of 4 bytes, so every field is
    // aligned for 32-bit views.
    const ids = new Uint32Array(buffer, HEADER_BYTES, n * RECORD_WORDS);
    const f = new Float32Array(buffer, HEADER_BYTES, n * RECORD_WORDS);
    for (let i = 0, w = 0; i < n; ++i, w += RECORD_WORDS) {
      sink.place(ids[w], f[w + 1], f[w + 2], f[w + 3], f[w + 4], f[w + 5], f[w + 6]);
    }
    return;
  }
  const view = new DataView(buffer);
  for (let i = 0, o = HEADER_BYTES; i < n; ++i, o += RECORD_BYTES) {
    sink.place(
      view.getUint32(o, true),
      view.getFloat32(o + 4, true), view.getFloat32(o + 8, true), view.getFloat32(o + 12, true),
      view.getFloat32(o + 16, true), view.getFloat32(o + 20, true), view.getFloat32(o + 24, true),
    );
  }
}

function placeQuantized(buffer: ArrayBuffer, header: FrameHeader, sink: RecordSink): void {
  const n = header.count;
  const p = header.positionScale;
  const v = header.velocityScale;
  if (littleEndian) {
    // 44 and 16 are multiples of 4: ids are aligned for a 32-bit view.
    const ids = new Uint32Array(buffer, QUANTIZED_HEADER_BYTES, n * QUANTIZED_RECORD_WORDS);
    const q = new Int16Array(buffer, QUANTIZED_HEADER_BYTES, n * QUANTIZED_RECORD_HALVES);
    for (let i = 0, h = 0; i < n; ++i, h += QUANTIZED_RECORD_HALVES) {
      sink.place(ids[i * QUANTIZED_RECORD_WORDS], q[h + 2] * p, q[h + 3] * p, q[h + 4] * p, q[h + 5] * v, q[h + 6] * v, q[h + 7] * v);
    }
    return;
  }
  const view = new DataView(buffer);
  for (let i = 0, o = QUANTIZED_HEADER_BYTES; i < n; ++i, o += QUANTIZED_RECORD_BYTES) {
    sink.place(
      view.getUint32(o, true),
      view.getInt16(o + 4, true) * p, view.getInt16(o + 6, true) * p, view.getInt16(o + 8, true) * p,
      view.getInt16(o + 10, true) * v, view.getInt16(o + 12, true) * v, view.getInt16(o + 14, true) * v,
    );
  }
}

/**
 * Decodes one frame part of either form: fills `header` and hands every
 * record to `sink`. Returns an error and touches nothing when the message
 * is malformed.
 */
export function decodeFrame(buffer: ArrayBuffer, header: FrameHeader, sink: RecordSink): FrameError | null {
  const err = readFrameHeader(buffer, header);
  if (err) return err;
  if (header.quantized) placeQuantized(buffer, header, sink);
  else placeFloats(buffer, header.count, sink);
  return null;
}

/** The scale the server picks for a part whose largest magnitude is `maxAbs`. */
export function quantizedScale(maxAbs: number): number {
  return maxAbs > 0 && Number.isFinite(maxAbs) ? Math.fround(maxAbs / QUANTIZED_MAX) : 1;
}

function largest(xs: ArrayLike<number> | undefined, n: number): number {
  let m = 0;
  for (let i = 0; i < n && xs; ++i) if (Number.isFinite(xs[i])) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/** Builds a frame (float by default); used by tests and the benchmark. */
export function encodeFrame(
  frameSeq: number, timeMs: number, keyframe: boolean,
  ids: ArrayLike<number>, pos: ArrayLike<number>, vel?: ArrayLike<number>,
  format: FrameFormat = "float",
): ArrayBuffer {
  const n = ids.length;
  const quantized = format === "quantized";
  const header = quantized ? QUANTIZED_HEADER_BYTES : HEADER_BYTES;
  const record = quantized ? QUANTIZED_RECORD_BYTES : RECORD_BYTES;
  const buffer = new ArrayBuffer(header + n * record);
  const view = new DataView(buffer);
  [0x41, 0x56, 0x50, 0x46].forEach((b, i) => view.setUint8(i, b));
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, (keyframe ? FLAG_KEYFRAME : 0) | (quantized ? FLAG_QUANTIZED : 0));
  view.setUint32(8, frameSeq % 0x1_0000_0000, true);
  view.setUint32(12, Math.floor(frameSeq / 0x1_0000_0000), true);
  view.setUint32(16, timeMs % 0x1_0000_0000, true);
  view.setUint32(20, Math.floor(timeMs / 0x1_0000_0000), true);
  view.setUint32(24, 0, true);
  view.setUint32(28, 1, true);
  view.setUint32(32, n, true);
  const ps = quantizedScale(largest(pos, 3 * n));
  const vs = quantizedScale(largest(vel, 3 * n));
  const q = (x: number, s: number) => Math.max(-QUANTIZED_MAX, Math.min(QUANTIZED_MAX, Math.round(x / s) || 0));
  if (quantized) {
    view.setFloat32(36, ps, true);
    view.setFloat32(40, vs, true);
  }
  for (let i = 0; i < n; ++i) {
    const o = header + i * record;
    view.setUint32(o, ids[i], true);
    for (let k = 0; k < 3; ++k) {
      const p = pos[3 * i + k];
      const v = vel ? vel[3 * i + k] : 0;
      if (quantized) {
        view.setInt16(o + 4 + 2 * k, q(p, ps), true);
        view.setInt16(o + 10 + 2 * k, q(v, vs), true);
      } else {
        view.setFloat32(o + 4 + 4 * k, p, true);
        view.setFloat32(o + 16 + 4 * k, v, true);
      }
    }
  }
  return buffer;
}
