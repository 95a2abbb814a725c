/**
 * The subset of the OpenAI completions API (POST /v1/completions) ftlab sends, and a checked
 * reading of the answers. Only what behaves the same on vLLM and on llama.cpp's server: one text
 * prompt per request (token-id and batched prompts answer 500 on llama-cpp-python), max_tokens ≥ 1
 * (0 means "until the context is full" there), logprobs ≤ 20.
 *
 * vLLM extensions are sent only where a probe found them honoured: `add_special_tokens`,
 * `return_tokens_as_token_ids` (top_logprobs keyed "token_id:N" instead of by text, so ids are
 * exact), `logprob_token_ids` (log-probs of given ids at the next position), `ignore_eos`.
 */
import { ServerProtocolError } from './errors.ts';

export const MAX_TOP_LOGPROBS = 20;

export interface CompletionRequest {
  model: string;
  prompt: string;
  max_tokens: number;
  temperature: 0;
  stop?: string[];
  logprobs?: number;
  echo?: boolean;
  seed?: number;
  add_special_tokens?: boolean;
  return_tokens_as_token_ids?: boolean;
  logprob_token_ids?: number[];
  ignore_eos?: boolean;
  /** Server-sent events, one per token or a few (the answer arrives as it is generated). */
  stream?: boolean;
  /** vLLM / OpenAI: a last event with the usage counts. */
  stream_options?: { include_usage: boolean };
}

export interface CompletionLogprobs {
  tokens: string[];
  tokenLogprobs: (number | null)[];
  topLogprobs: (Record<string, number> | null)[];
}

export interface CompletionChoice {
  text: string;
  finishReason: string | null;
  /** vLLM: the stop string that ended generation, null for EOS; absent elsewhere. */
  stopReason?: string | number | null;
  logprobs?: CompletionLogprobs;
}

export interface CompletionAnswer {
  choice: CompletionChoice;
  promptTokens?: number;
  completionTokens?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function logprobsOf(url: string, v: unknown): CompletionLogprobs | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isObj(v) || !Array.isArray(v.tokens) || !Array.isArray(v.token_logprobs)) throw new ServerProtocolError(url, 'choices[0].logprobs has no tokens/token_logprobs arrays');
  const tokens = v.tokens.map((t) => String(t));
  const tokenLogprobs = v.token_logprobs.map((x) => (typeof x === 'number' ? x : null));
  const topRaw = Array.isArray(v.top_logprobs) ? v.top_logprobs : [];
  const topLogprobs = tokens.map((_, i) => {
    const t: unknown = topRaw[i];
    if (!isObj(t)) return null;
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(t)) if (typeof x === 'number') out[k] = x;
    return out;
  });
  return { tokens, tokenLogprobs, topLogprobs };
}

/** Reads a /v1/completions answer (one choice), or says what is missing. */
export function parseCompletion(url: string, body: unknown): CompletionAnswer {
  if (!isObj(body) || !Array.isArray(body.choices) || body.choices.length === 0) throw new ServerProtocolError(url, 'no choices');
  const c: unknown = body.choices[0];
  if (!isObj(c) || typeof c.text !== 'string') throw new ServerProtocolError(url, 'choices[0].text is not a string');
  const usage = isObj(body.usage) ? body.usage : {};
  const choice: CompletionChoice = {
    text: c.text,
    finishReason: typeof c.finish_reason === 'string' ? c.finish_reason : null,
    ...('stop_reason' in c ? { stopReason: c.stop_reason as string | number | null } : {}),
  };
  const lp = logprobsOf(url, c.logprobs);
  if (lp) choice.logprobs = lp;
  return {
    choice,
    ...(typeof usage.prompt_tokens === 'number' ? { promptTokens: usage.prompt_tokens } : {}),
    ...(typeof usage.completion_tokens === 'number' ? { completionTokens: usage.completion_tokens } : {}),
  };
}

/** Model names of a /v1/models answer, and vLLM's max_model_len where given. */
export function parseModels(url: string, body: unknown): { id: string; maxModelLen?: number; ownedBy?: string }[] {
  if (!isObj(body) || !Array.isArray(body.data)) throw new ServerProtocolError(url, '/models has no data array');
  return body.data.filter(isObj).map((m) => ({
    id: String(m.id),
    ...(typeof m.max_model_len === 'number' ? { maxModelLen: m.max_model_len } : {}),
    ...(typeof m.owned_by === 'string' ? { ownedBy: m.owned_by } : {}),
  }));
}

/** "token_id:1066" → 1066 (vLLM's return_tokens_as_token_ids), else undefined. */
export function tokenIdKey(key: string): number | undefined {
  const m = /^token_id:(\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * The events of a streamed completion (`stream: true`) joined into the answer the same request
 * gets without streaming: the texts and log-prob arrays concatenated, the last finish reason, and
 * the usage where an event carries it (vLLM's last event, with `include_usage`, has no choices).
 */
export class StreamedAnswer {
  private text = '';
  private readonly logprobs: CompletionLogprobs = { tokens: [], tokenLogprobs: [], topLogprobs: [] };
  private withLogprobs = false;
  private finishReason: string | null = null;
  private stopReason: string | number | null | undefined;
  private promptTokens: number | undefined;
  private completionTokens: number | undefined;
  private events = 0;

  /** One event's JSON; returns its choice (undefined for a usage-only event). */
  add(url: string, json: unknown): CompletionChoice | undefined {
    if (isObj(json) && isObj(json.usage)) {
      if (typeof json.usage.prompt_tokens === 'number') this.promptTokens = json.usage.prompt_tokens;
      if (typeof json.usage.completion_tokens === 'number') this.completionTokens = json.usage.completion_tokens;
    }
    if (isObj(json) && Array.isArray(json.choices) && json.choices.length === 0) return undefined;
    const { choice } = parseCompletion(url, json);
    this.events++;
    this.text += choice.text;
    if (choice.logprobs) {
      this.withLogprobs = true;
      this.logprobs.tokens.push(...choice.logprobs.tokens);
      this.logprobs.tokenLogprobs.push(...choice.logprobs.tokenLogprobs);
      this.logprobs.topLogprobs.push(...choice.logprobs.topLogprobs);
    }
    if (choice.finishReason !== null) this.finishReason = choice.finishReason;
    if (choice.stopReason !== undefined) this.stopReason = choice.stopReason;
    return choice;
  }

  answer(url: string): CompletionAnswer {
    if (this.events === 0) throw new ServerProtocolError(url, 'the stream ended without a completion event');
    const choice: CompletionChoice = { text: this.text, finishReason: this.finishReason, ...(this.stopReason !== undefined ? { stopReason: this.stopReason } : {}) };
    if (this.withLogprobs) choice.logprobs = this.logprobs;
    return {
      choice,
      ...(this.promptTokens !== undefined ? { promptTokens: this.promptTokens } : {}),
      ...(this.completionTokens !== undefined ? { completionTokens: this.completionTokens } : {}),
    };
  }
}
