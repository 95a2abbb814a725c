/** GGUF, the weight format of llama.cpp (and its OpenAI-compatible server): a writer. */
export { encodeGguf, GGUF_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, type GgufTensor, type GgufValue } from './writer.ts';
export { llamaGgufMetadata, llamaGgufTensorName, permuteForGgufRope, type LlamaGgufTokenizer } from './llama.ts';
export { baseTensorFor, loraGguf, type PeftLoraModule } from './lora.ts';
