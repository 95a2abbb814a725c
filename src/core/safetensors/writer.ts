/**
 * Writes the safetensors format (tests write the files they read; a delta test writes adapters).
 * Like the reference implementation: tensors in the order given, contiguous, and the header
 * padded with spaces so the data starts at a multiple of 8.
 */
import { encodeBf16, encodeF16 } from '../mlc/dtype.ts';
import type { DecodedDtype } from './reader.ts';

export interface SafetensorsInput {
  name: string;
  dtype: DecodedDtype;
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const typed = t.dtype === 'F32' ? t.data : t.dtype === 'F16' ? encodeF16(t.data) : encodeBf16(t.data);
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).byteLength) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.byteLength;
  for (const b of parts) {
    out.set(b, p);
    p += b.byteLength;
  }
  return out;
}
