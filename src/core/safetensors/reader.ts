/**
 * A small reader for the safetensors format (what Hugging Face checkpoints and PEFT adapters are
 * saved in): 8 bytes little-endian header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {k: v}}`, then the data,
 * offsets relative to its start. Only the header is read up front; a tensor's bytes are read
 * on demand through a byte-range reader, so a 13 GB checkpoint is never in memory whole.
 *
 * Framework-free: the caller supplies the range reader (Node: file handle reads; tests: bytes).
 */
import { ArtifactCorruptError, UnsupportedModelError } from '../engine-errors.ts';
import { decodeBf16, decodeF16 } from '../mlc/dtype.ts';

/** Reads `length` bytes at `offset`; may return fewer only at the end of the file. */
export type ByteRangeReader = (offset: number, length: number) => Promise<Uint8Array>;

export interface ByteSource {
  /** Name for error messages (a path). */
  file: string;
  size: number;
  read: ByteRangeReader;
}

/** The dtypes the format defines, with their sizes; only the float ones are decoded. */
export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;
export const DECODED_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type DecodedDtype = (typeof DECODED_DTYPES)[number];

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  /** In header order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
  /** Where the data section starts (8 + header length). */
  dataStart: number;
}

/** Headers larger than this are refused (HF's own limit is 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, s);
}

const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads and validates the header. A file shorter than its header says, or whose data section
 * ends before a tensor does, is "truncated"; a tensor whose byte range disagrees with its
 * dtype × shape, or overlaps another, is "inconsistent". Each names the file and the tensor.
 */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const corrupt = (detail: string, tensor?: string) => new ArtifactCorruptError(src.file, detail, tensor);
  if (src.size < 8) throw corrupt(`truncated: ${src.size} bytes, shorter than the 8-byte header length`);
  const lenBytes = await src.read(0, 8);
  if (lenBytes.byteLength < 8) throw corrupt('truncated: could not read the 8-byte header length');
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES) throw corrupt(`header length ${headerLen} is implausible (over ${MAX_HEADER_BYTES} bytes): not a safetensors file?`);
  if (8 + headerLen > src.size) throw corrupt(`truncated: the header claims ${headerLen} bytes but the file has ${src.size - 8} after the length`);
  const headerBytes = await src.read(8, headerLen);
  if (headerBytes.byteLength < headerLen) throw corrupt('truncated: the header could not be read whole');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw corrupt(`the header is not valid UTF-8 JSON (${(e as Error).message}): not a safetensors file?`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw corrupt('the header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataBytes = src.size - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw corrupt('"__metadata__" must map strings to strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object') throw corrupt('entry is not an object', name);
    if (!isDtype(e.dtype)) throw corrupt(`unknown dtype ${JSON.stringify(e.dtype)}`, name);
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegInt)) throw corrupt(`malformed shape ${JSON.stringify(e.shape)}`, name);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !isNonNegInt(off[0]) || !isNonNegInt(off[1]) || off[1] < off[0]) {
      throw corrupt(`malformed data_offsets ${JSON.stringify(off)}`, name);
    }
    const shape = e.shape as number[];
    const expected = shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[e.dtype];
    if (off[1] - off[0] !== expected) {
      throw corrupt(`inconsistent: data_offsets [${off[0]}, ${off[1]}] hold ${off[1] - off[0]} bytes, but ${e.dtype}[${shape.join(', ')}] needs ${expected}`, name);
    }
    if (off[1] > dataBytes) throw corrupt(`truncated: the tensor ends at data byte ${off[1]} but the data section has ${dataBytes} bytes`, name);
    tensors.set(name, { name, dtype: e.dtype, shape, begin: dataStart + off[0], end: dataStart + off[1] });
  }
  // Overlapping ranges mean a hand-edited or corrupt header: two tensors would share bytes.
  const sorted = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) throw corrupt(`inconsistent: its bytes overlap those of ${sorted[i - 1].name}`, sorted[i].name);
  }
  return { file: src.file, tensors, metadata, dataStart };
}

/** Decodes F32 / F16 / BF16 bytes (little-endian) to float32. */
export function decodeFloats(dtype: SafetensorsDtype, bytes: Uint8Array, what: { file: string; tensor: string }): Float32Array {
  const count = bytes.byteLength / SAFETENSORS_DTYPE_BYTES[dtype];
  // Copy to an aligned buffer: a tensor's offset in the file need not be a multiple of 4.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  if (dtype === 'F32') return new Float32Array(aligned.buffer, aligned.byteOffset, count).slice();
  if (dtype === 'F16') return decodeF16(new Uint16Array(aligned.buffer, aligned.byteOffset, count));
  if (dtype === 'BF16') return decodeBf16(new Uint16Array(aligned.buffer, aligned.byteOffset, count));
  throw new UnsupportedModelError(`${what.file}, tensor ${what.tensor}: dtype ${dtype} (ftlab reads F32, F16 and BF16 weights)`, 'save the checkpoint in float32, float16 or bfloat16');
}

/** Reads one tensor's values as float32 (only its own bytes are read). */
export async function readSafetensorsTensor(src: ByteSource, header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const t = header.tensors.get(name);
  if (!t) throw new ArtifactCorruptError(src.file, 'no such tensor in this file', name);
  if (!(DECODED_DTYPES as readonly string[]).includes(t.dtype)) {
    throw new UnsupportedModelError(`${src.file}, tensor ${name}: dtype ${t.dtype} (ftlab reads F32, F16 and BF16 weights)`, 'save the checkpoint in float32, float16 or bfloat16');
  }
  const bytes = await src.read(t.begin, t.end - t.begin);
  if (bytes.byteLength !== t.end - t.begin) throw new ArtifactCorruptError(src.file, `truncated: read ${bytes.byteLength} of ${t.end - t.begin} bytes`, name);
  return decodeFloats(t.dtype, bytes, { file: src.file, tensor: name });
}

/** A ByteSource over bytes in memory (tests, small files). */
export function memoryByteSource(bytes: Uint8Array, file = 'memory.safetensors'): ByteSource {
  return { file, size: bytes.byteLength, read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.byteLength, offset + length)) };
}
