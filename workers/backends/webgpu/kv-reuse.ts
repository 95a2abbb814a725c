/**
 * Prefix reuse on web-llm's KV cache: consecutive prompts that share a beginning (the demo
 * context of an ICL or FTICL cell, or one prompt scored again) keep that part in the cache and
 * run only the rest through the model, as the cpu backend does.
 *
 * web-llm 0.2.86 has no public KV rollback (`forwardTokensAndSample` only appends; `resetChat`
 * empties). Its LLMChatPipeline holds what is needed: the paged KV cache object (`kvCache`), its
 * own count of the positions in it (`filledKVCacheLength`, which every forward adds to), and the
 * TVM runtime (`tvm`) whose global `vm.builtin.kv_state_popn(state, seq_id, n)` drops the last n
 * positions of a sequence (TVM's PagedAttentionKVCache::PopN: pages past the new end are freed;
 * the rest is untouched). web-llm's own sequence is id 0. This module reads those members
 * through a narrow structural view, checks each one at load, and returns null when anything is
 * not as expected (another web-llm version, a sliding-window or RNN-state model): the backend
 * then empties the cache before every prompt, as before.
 */
import { reusedPrefixLength, type ForwardResult, type LogitsForwarder } from '../../../src/core/decoding/index.ts';

/** Drops positions off the end of web-llm's KV cache. */
export interface KvRollback {
  /** Positions in the cache now (web-llm's own count). */
  length(): number;
  /** Keeps the first `n` positions (n ≤ length()). */
  truncate(n: number): void;
}

type PackedFunc = (...args: unknown[]) => unknown;

/** The members of web-llm's LLMChatPipeline (0.2.86) this module uses. */
interface PipelineView {
  kvCache: unknown;
  kvStateKind: unknown;
  slidingWindowSize: unknown;
  filledKVCacheLength: number;
  tvm: {
    getGlobalFunc(name: string): PackedFunc;
    detachFromCurrentScope<T>(obj: T): T;
    beginScope(): void;
    endScope(): void;
    scalar(value: number, dtype: string): unknown;
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const hasFunctions = (v: unknown, names: readonly string[]): boolean => isRecord(v) && names.every((n) => typeof v[n] === 'function');

function pipelineOf(engine: unknown, modelId: string): PipelineView | null {
  if (!isRecord(engine)) return null;
  const map = engine.loadedModelIdToPipeline;
  if (!(map instanceof Map)) return null;
  const p: unknown = map.get(modelId);
  if (!isRecord(p)) return null;
  if (p.kvStateKind !== 'kv_cache' || p.slidingWindowSize !== -1 || p.kvCache === undefined || p.kvCache === null) return null;
  if (typeof p.filledKVCacheLength !== 'number') return null;
  if (!hasFunctions(p.tvm, ['getGlobalFunc', 'detachFromCurrentScope', 'beginScope', 'endScope', 'scalar'])) return null;
  return p as unknown as PipelineView;
}

/**
 * The rollback for the model web-llm has loaded as `modelId`, or null when this web-llm does
 * not have what it needs (see the module comment).
 */
export function webLlmKvRollback(engine: unknown, modelId: string): KvRollback | null {
  const p = pipelineOf(engine, modelId);
  if (!p) return null;
  let popn: PackedFunc;
  p.tvm.beginScope();
  try {
    popn = p.tvm.detachFromCurrentScope(p.tvm.getGlobalFunc('vm.builtin.kv_state_popn'));
  } catch {
    return null;
  } finally {
    p.tvm.endScope();
  }
  return {
    length: () => p.filledKVCacheLength,
    truncate(n: number) {
      const drop = p.filledKVCacheLength - n;
      if (!Number.isInteger(n) || n < 0 || drop < 0) throw new Error(`KV cache truncate to ${n} of ${p.filledKVCacheLength} positions`);
      if (drop === 0) return;
      p.tvm.beginScope();
      try {
        popn(p.kvCache, p.tvm.scalar(0, 'int64'), p.tvm.scalar(drop, 'int32'));
      } finally {
        p.tvm.endScope();
      }
      p.filledKVCacheLength = n;
    },
  };
}

/** What the forwarder needs from web-llm. */
export interface WebLlmSequence {
  /** Empties web-llm's KV cache (resetChat). */
  reset(): Promise<void>;
  /** Appends ids to the KV cache; resolves once the logits of the last one are captured. */
  append(ids: number[], isPrefill: boolean): Promise<Float32Array>;
}

/**
 * The loops' LogitsForwarder over web-llm. It knows which ids web-llm's KV cache holds; a new
 * sequence that begins with some of them keeps those (truncating the cache after them) and runs
 * only the rest. The last id given is always run, since its logits are what the caller wants.
 * Without a rollback (null) every sequence starts from an empty cache (resetChat), as web-llm's
 * own chat does: each prompt is prefilled whole.
 */
export class PrefixReusingForwarder implements LogitsForwarder {
  /** The ids in web-llm's KV cache, in order; null when unknown (after a failed forward). */
  private cached: number[] | null = [];
  /** The ids of the sequence being built since reset(). */
  private sequence: number[] = [];

  constructor(
    private readonly web: WebLlmSequence,
    private readonly rollback: KvRollback | null,
  ) {}

  async reset(): Promise<void> {
    this.sequence = [];
  }

  async forward(ids: number[], isPrefill: boolean): Promise<ForwardResult> {
    const continuing = this.sequence.length > 0;
    for (const id of ids) this.sequence.push(id);
    const target = this.sequence;
    const cached = this.cached;
    let keep = 0;
    if (cached && this.rollback) {
      // web-llm's own count disagreeing with ours means the cache is not what we think: start over.
      keep = this.rollback.length() === cached.length ? reusedPrefixLength(cached, target) : 0;
    } else if (cached && continuing) keep = cached.length; // a decode step: the cache is the sequence so far
    try {
      if (keep === 0) await this.web.reset();
      else if (cached && keep < cached.length) this.rollback?.truncate(keep);
      this.cached = target.slice(0, keep);
      const logits = await this.web.append(target.slice(keep), isPrefill);
      this.cached = [...target];
      return { logits, computed: target.length - keep };
    } catch (e) {
      this.cached = null;
      throw e;
    }
  }
}
