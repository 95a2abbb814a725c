/**
 * A GGUF (version 3) file writer: the format llama.cpp and its servers load. Only what ftlab's
 * export needs: scalar, string and array metadata, and float32 tensors.
 *
 * Layout (ggml/docs/gguf.md): "GGUF", version, tensor count, metadata count; the metadata
 * (key, value type, value); one info per tensor (name, dims innermost first, type, offset into
 * the data section); padding to `general.alignment` (32); the tensor data, each tensor aligned.
 * Everything little-endian; strings are a u64 byte length and UTF-8 bytes, no terminator.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types (gguf_type). */
export const GGUF_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** ggml tensor types ftlab writes. */
export const GGML_TYPE = { f32: 0 } as const;

export type GgufScalarType = 'uint32' | 'int32' | 'float32' | 'bool' | 'string' | 'uint64';
export type GgufValue =
  | { type: 'uint32' | 'int32' | 'float32' | 'uint64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: readonly string[] }
  | { type: 'array'; of: 'float32' | 'int32'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** Dimensions innermost first (ggml's ne): a [rows, cols] row-major matrix is [cols, rows]. */
  dims: readonly number[];
  data: Float32Array;
}

const enc = new TextEncoder();

/** Appends little-endian values to growing chunks. */
class ByteSink {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }

  private scalar(size: number, write: (v: DataView) => void): void {
    const b = new Uint8Array(size);
    write(new DataView(b.buffer));
    this.push(b);
  }

  u32(v: number): void {
    this.scalar(4, (d) => d.setUint32(0, v, true));
  }
  i32(v: number): void {
    this.scalar(4, (d) => d.setInt32(0, v, true));
  }
  u64(v: number): void {
    this.scalar(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  f32(v: number): void {
    this.scalar(4, (d) => d.setFloat32(0, v, true));
  }
  bool(v: boolean): void {
    this.push(new Uint8Array([v ? 1 : 0]));
  }
  string(s: string): void {
    const b = enc.encode(s);
    this.u64(b.byteLength);
    this.push(b);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.push(new Uint8Array(alignment - rest));
  }
}

function writeValue(out: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'uint32':
      return out.u32(v.value);
    case 'int32':
      return out.i32(v.value);
    case 'uint64':
      return out.u64(v.value);
    case 'float32':
      return out.f32(v.value);
    case 'bool':
      return out.bool(v.value);
    case 'string':
      return out.string(v.value);
    case 'array': {
      out.u32(GGUF_TYPE[v.of]);
      out.u64(v.value.length);
      if (v.of === 'string') for (const s of v.value as readonly string[]) out.string(s);
      else {
        const nums = v.value as ArrayLike<number>;
        const b = new Uint8Array(4 * nums.length);
        const d = new DataView(b.buffer);
        for (let i = 0; i < nums.length; i++) {
          if (v.of === 'float32') d.setFloat32(4 * i, nums[i], true);
          else d.setInt32(4 * i, nums[i], true);
        }
        out.push(b);
      }
    }
  }
}

/** The whole file as chunks (concatenate, or write them one after the other). */
export function encodeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Uint8Array[] {
  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, value] of metadata) {
    out.string(key);
    out.u32(GGUF_TYPE[value.type]);
    writeValue(out, value);
  }
  let offset = 0;
  for (const t of tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}`);
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_TYPE.f32);
    out.u64(offset);
    offset += Math.ceil((4 * count) / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  out.pad(GGUF_ALIGNMENT);
  for (const t of tensors) {
    out.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad(GGUF_ALIGNMENT);
  }
  return out.chunks;
}
