/** Weight deltas (the paper's mean |Δw|): between two checkpoints, or of a LoRA adapter. */
export * from './stats.ts';
export * from './lora.ts';
export * from './paper.ts';
export * from './mlc-folders.ts';
export * from './adapter.ts';
