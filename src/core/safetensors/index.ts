/** The safetensors format: header, F32/F16/BF16 tensors read by byte range, and a writer. */
export * from './reader.ts';
export * from './writer.ts';
