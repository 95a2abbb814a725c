/** Hugging Face Llama checkpoints → MLC folders: config, plan, streamed conversion, prebuilt libraries. */
export * from './hf-config.ts';
export * from './llama-plan.ts';
export * from './hf-to-mlc.ts';
export * from './prebuilt.ts';
export * from './run-card.ts';
