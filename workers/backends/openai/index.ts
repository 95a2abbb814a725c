/** The openai backend: the Engine over an OpenAI-compatible server's /v1/completions (vLLM, llama.cpp's server). */
export { OpenAiEngine, OPENAI_BACKEND, OPENAI_FEATURES, type OpenAiEngineOptions, type OpenAiFeature, type ServerCapabilities } from './openai-engine.ts';
export { ServerPool, normalizeBaseUrl, type ServerPoolOptions, type PoolStats } from './server-pool.ts';
export { ModelNotServedError, ServerHttpError, ServerProtocolError, ServerTimeoutError, ServerUnreachableError, TokenizationMismatchError } from './errors.ts';
