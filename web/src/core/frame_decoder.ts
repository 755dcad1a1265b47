// Decodes AVPF position frames (docs/protocol.md, "Position frames").
// Records are read through typed-array views over the message itself, so a
// frame of any size costs two view objects and no per-agent allocation.

export const FRAME_VERSION = 1;
export const HEADER_BYTES = 36;
export const RECORD_BYTES = 28;
const RECORD_WORDS = RECORD_BYTES / 4;
const HEADER_WORDS = HEADER_BYTES / 4;
const FLAG_KEYFRAME = 1;

/** The header of one frame part; reused between frames by the caller. */
export interface FrameHeader {
  keyframe: boolean;
  /** Frame sequence (one per physics tick); exact below 2^53. */
  frameSeq: number;
  timeMs: number;
  part: number;
  parts: number;
  count: number;
}

export function emptyHeader(): FrameHeader {
  return { keyframe: false, frameSeq: 0, timeMs: 0, part: 0, parts: 0, count: 0 };
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
  out.keyframe = (view.getUint8(5) & FLAG_KEYFRAME) !== 0;
  out.frameSeq = u64(view, 8);
  out.timeMs = u64(view, 16);
  out.part = view.getUint32(24, true);
  out.parts = view.getUint32(28, true);
  out.count = view.getUint32(32, true);
  if (buffer.byteLength !== HEADER_BYTES + out.count * RECORD_BYTES) return "length";
  return null;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Decodes one frame part: fills `header` and hands every record to `sink`.
 * Returns an error and touches nothing when the message is malformed.
 */
export function decodeFrame(buffer: ArrayBuffer, header: FrameHeader, sink: RecordSink): FrameError | null {
  const err = readFrameHeader(buffer, header);
  if (err) return err;
  const n = header.count;
  if (littleEndian) {
    // The header and records are multiples of 4 bytes, so every field is
    // aligned for 32-bit views.
    const ids = new Uint32Array(buffer, HEADER_BYTES, n * RECORD_WORDS);
    const f = new Float32Array(buffer, HEADER_BYTES, n * RECORD_WORDS);
    for (let i = 0, w = 0; i < n; ++i, w += RECORD_WORDS) {
      sink.place(ids[w], f[w + 1], f[w + 2], f[w + 3], f[w + 4], f[w + 5], f[w + 6]);
    }
    return null;
  }
  const view = new DataView(buffer);
  for (let i = 0, o = HEADER_WORDS * 4; i < n; ++i, o += RECORD_BYTES) {
    sink.place(
      view.getUint32(o, true),
      view.getFloat32(o + 4, true), view.getFloat32(o + 8, true), view.getFloat32(o + 12, true),
      view.getFloat32(o + 16, true), view.getFloat32(o + 20, true), view.getFloat32(o + 24, true),
    );
  }
  return null;
}

/** Builds a frame; used by tests and the benchmark. */
export function encodeFrame(
  frameSeq: number, timeMs: number, keyframe: boolean,
  ids: ArrayLike<number>, pos: ArrayLike<number>, vel?: ArrayLike<number>,
): ArrayBuffer {
  const n = ids.length;
  const buffer = new ArrayBuffer(HEADER_BYTES + n * RECORD_BYTES);
  const view = new DataView(buffer);
  [0x41, 0x56, 0x50, 0x46].forEach((b, i) => view.setUint8(i, b));
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, keyframe ? FLAG_KEYFRAME : 0);
  view.setUint32(8, frameSeq % 0x1_0000_0000, true);
  view.setUint32(12, Math.floor(frameSeq / 0x1_0000_0000), true);
  view.setUint32(16, timeMs % 0x1_0000_0000, true);
  view.setUint32(20, Math.floor(timeMs / 0x1_0000_0000), true);
  view.setUint32(24, 0, true);
  view.setUint32(28, 1, true);
  view.setUint32(32, n, true);
  for (let i = 0; i < n; ++i) {
    const o = HEADER_BYTES + i * RECORD_BYTES;
    view.setUint32(o, ids[i], true);
    for (let k = 0; k < 3; ++k) {
      view.setFloat32(o + 4 + 4 * k, pos[3 * i + k], true);
      view.setFloat32(o + 16 + 4 * k, vel ? vel[3 * i + k] : 0, true);
    }
  }
  return buffer;
}
