/**
 * The Engine contract: what every backend (webgpu through web-llm, the TypeScript cpu
 * reference, a unit-test double) implements, and all the evaluation core relies on.
 *
 * Prompts cross this boundary as text plus an explicit BOS flag, or as token ids, so that
 * "what the model saw" is never left to a backend's defaults (the paper's zero-shot prompts
 * start with BOS, its k-shot prompts do not).
 */

/** A prompt as text (tokenized by the engine's own tokenizer) or as explicit token ids. */
export type PromptInput = { text: string; bos: boolean } | { ids: number[] };

/** What a model is and where its artifacts live. */
export interface ModelSpec {
  /** Stable id, e.g. "Llama-2-7b-chat-hf-q4f16_1-MLC" or "tiny-random-llama-f32". */
  id: string;
  /**
   * Base URL of an MLC weight folder (mlc-chat-config.json, tensor-cache.json,
   * params_shard_*.bin, tokenizer.json). A file path in Node.
   */
  url: string;
  /** URL of the compiled model library (.wasm); webgpu backend only. */
  modelLib?: string;
  /** Context window override (tokens). */
  contextWindow?: number;
}

export type LoadPhase = 'fetch' | 'cache' | 'shaders' | 'init' | 'done';

export interface LoadProgress {
  phase: LoadPhase;
  /** 0..1 over the whole load. */
  fraction: number;
  loadedBytes?: number;
  totalBytes?: number;
  text: string;
}

export interface LoadedModelInfo {
  id: string;
  backend: string;
  vocabSize: number;
  contextWindow: number;
  bosId: number;
  eosId: number;
}

export interface GenerateRequest {
  prompt: PromptInput;
  /** Maximum new tokens (the paper: 60). */
  maxTokens: number;
  /** Stop strings: generation ends when the decoded text contains one (it is cut there). */
  stop?: string[];
  /** Stop at the EOS token (default true). */
  stopAtEos?: boolean;
  /**
   * Per-step log-probs in the result (`steps`), with this many top alternatives per step (0: the
   * chosen token's log-prob only). Off by default: batch runs do not pay for it.
   */
  logprobs?: { top: number };
  /**
   * Called once per generated token, as it is decoded (streaming). Across the worker boundary the
   * client carries it as a comlink proxy (functions do not clone), like load progress; it is
   * best-effort there and must not throw.
   */
  onToken?: (token: StreamedToken) => void;
}

/** One decoded token, as streamed to GenerateRequest.onToken. */
export interface StreamedToken {
  /** 0-based position among the generated tokens. */
  index: number;
  id: number;
  /** The whole output decoded so far (cut at a stop string), not only this token's piece. */
  text: string;
  /** Present when the request asked for log-probs. */
  step?: GenerateStep;
}

/** One decode step's log-probs (GenerateRequest.logprobs). */
export interface GenerateStep {
  /** The chosen (greedy) token. */
  id: number;
  token: string;
  /** Its full-vocabulary log-prob. */
  logprob: number;
  /** The top alternatives at this step, best first (the chosen one included). */
  top: TokenLogprob[];
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'interrupted';

/** Work done by one call (or accumulated, for EngineStats). */
export interface CallStats {
  prefillTokens: number;
  decodeTokens: number;
  prefillMs: number;
  decodeMs: number;
}

/**
 * Which server produced a result, for remote backends (openai): kept in every sample's record so
 * that a number can be traced to the server, the served model name and the API features used.
 */
export interface ServedBy {
  backend: string;
  /** Base URLs the call's requests went to. */
  urls: string[];
  /** The model name as the server knows it. */
  model: string;
  /** API features the result relies on (e.g. "top-logprobs", "echo-teacher-forcing"), sorted. */
  features: string[];
}

export interface GenerateResult {
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  promptTokens: number;
  stats: CallStats;
  /** Per generated token, when the request asked for log-probs (GenerateRequest.logprobs). */
  steps?: GenerateStep[];
  servedBy?: ServedBy;
}

export interface TokenLogprob {
  id: number;
  token: string;
  logprob: number;
}

export interface ScoreNextResult {
  /** Full-vocabulary log-softmax at each candidate id, in the order given. */
  logprobs: number[];
  /** The top-k next tokens, when asked for. */
  top?: TokenLogprob[];
  promptTokens: number;
  stats: CallStats;
  servedBy?: ServedBy;
}

export interface LoglikelihoodResult {
  /** Sum of the continuation tokens' log-probs under teacher forcing. */
  logprob: number;
  /** Per continuation token. */
  tokens: TokenLogprob[];
  /** Whether every continuation token was the greedy choice. */
  isGreedy: boolean;
  stats: CallStats;
  servedBy?: ServedBy;
}

export interface EngineStats extends CallStats {
  calls: number;
}

export interface Engine {
  /** Load (or switch to) a model; progress is streamed while artifacts download and compile. */
  load(model: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo>;
  unload(): Promise<void>;
  /** Token ids of text with the model's tokenizer (no BOS unless asked). */
  tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]>;
  detokenize(ids: number[]): Promise<string>;
  /** Greedy decoding (temperature 0). */
  generate(req: GenerateRequest): Promise<GenerateResult>;
  /**
   * One forward pass over the prompt, no decoding: full-vocabulary log-probs of the next
   * token at the candidate ids (and the top-k, if topK > 0).
   */
  scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult>;
  /** Teacher-forced log-likelihood of a continuation (text is tokenized without BOS). */
  loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult>;
  /** Stop the running generation between decode steps; it resolves with finishReason 'interrupted'. */
  interrupt(): Promise<void>;
  /** Accumulated work since load. */
  stats(): Promise<EngineStats>;
}
