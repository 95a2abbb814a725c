/** The MLC weight format, framework-free: config, index, shards, quantization, Llama layout. */
export * from './dtype.ts';
export * from './file-source.ts';
export * from './chat-config.ts';
export * from './tensor-cache.ts';
export * from './quantization.ts';
export * from './reader.ts';
export * from './writer.ts';
export * from './llama-layout.ts';
