/**
 * Load progress from web-llm 0.2.86's `initProgressCallback({progress, timeElapsed, text})`.
 *
 * web-llm's `progress` restarts at 0 in each phase, so it cannot drive one progress bar. The
 * texts it emits (lib/index.js, tvmjs `fetchTensorCacheInternal` and shader loading):
 *   "Start to fetch params"
 *   "Fetching param cache[3/107]: 96MB fetched. 2% completed, 5 secs elapsed. It can take a while…"
 *   "Loading model from cache[3/107]: 96MB loaded. 2% completed, 1 secs elapsed."
 *   "Loading GPU shader modules[12/80]: 15% completed, 2 secs elapsed."
 *   "Finish loading on WebGPU - <adapter description or vendor>"
 * The fetch phase is skipped when every shard is already cached. MB figures are rounded up
 * (Math.ceil of bytes / 2^20), so byte counts derived from them are approximate.
 *
 * Pure: `parseWebLlmProgress` reads one report, `ProgressTracker` turns the stream into one
 * monotone fraction over the whole load.
 */
import type { LoadPhase, LoadProgress } from '../../../src/core/engine.ts';

export interface WebLlmProgressReport {
  progress: number;
  timeElapsed: number;
  text: string;
}

export interface ParsedProgress {
  phase: LoadPhase;
  /** web-llm's own 0..1 within the phase. */
  phaseFraction: number;
  /** Shards or shader modules done / total, when the text says. */
  step?: number;
  steps?: number;
  /** Approximate bytes (text gives whole MB, rounded up). */
  loadedBytes?: number;
  totalBytes?: number;
  seconds?: number;
}

const MB = 1024 * 1024;

const FETCH_RE = /^Fetching param cache\[(\d+)\/(\d+)\]: (\d+)MB fetched\. (\d+)% completed, (\d+) secs elapsed/;
const CACHE_RE = /^Loading model from cache\[(\d+)\/(\d+)\]: (\d+)MB loaded\. (\d+)% completed, (\d+) secs elapsed/;
const SHADER_RE = /^Loading GPU shader modules\[(\d+)\/(\d+)\]: (\d+)% completed, (\d+) secs elapsed/;

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Reads one web-llm progress report. Unknown texts become phase 'init'. */
export function parseWebLlmProgress(r: WebLlmProgressReport): ParsedProgress {
  const text = r.text.trim();
  const phaseFraction = clamp01(r.progress);
  let m = FETCH_RE.exec(text) ?? CACHE_RE.exec(text);
  if (m) {
    const loadedBytes = Number(m[3]) * MB;
    const out: ParsedProgress = {
      phase: text.startsWith('Fetching') ? 'fetch' : 'cache',
      phaseFraction,
      step: Number(m[1]),
      steps: Number(m[2]),
      loadedBytes,
      seconds: Number(m[5]),
    };
    // progress = exact bytes / total bytes, so total ≈ loaded / progress (loaded is rounded up).
    if (phaseFraction > 0) out.totalBytes = Math.round(loadedBytes / phaseFraction / MB) * MB;
    return out;
  }
  m = SHADER_RE.exec(text);
  if (m) return { phase: 'shaders', phaseFraction, step: Number(m[1]), steps: Number(m[2]), seconds: Number(m[4]) };
  if (/^Start to fetch params/.test(text)) return { phase: 'fetch', phaseFraction: 0 };
  if (/^Finish loading/.test(text)) return { phase: 'done', phaseFraction: 1, seconds: r.timeElapsed };
  return { phase: 'init', phaseFraction };
}

/**
 * Where each phase sits in the overall bar. Downloading dominates a first load; when the weights
 * are cached, reading them onto the GPU and compiling shaders share the bar.
 */
const SPANS_WITH_FETCH: Record<'init' | 'fetch' | 'cache' | 'shaders', [number, number]> = {
  init: [0, 0.02],
  fetch: [0.02, 0.8],
  cache: [0.8, 0.95],
  shaders: [0.95, 1],
};
const SPANS_CACHED: Record<'init' | 'fetch' | 'cache' | 'shaders', [number, number]> = {
  init: [0, 0.02],
  fetch: [0.02, 0.02],
  cache: [0.02, 0.75],
  shaders: [0.75, 1],
};

/** Turns successive web-llm reports into LoadProgress with one monotone fraction. */
export class ProgressTracker {
  private fetched = false;
  private last = 0;

  /** A progress event of our own (pre-flight checks, tokenizer) in the 'init' phase. */
  init(text: string, phaseFraction = 0): LoadProgress {
    return this.emit({ phase: 'init', phaseFraction }, text);
  }

  update(r: WebLlmProgressReport): LoadProgress {
    const p = parseWebLlmProgress(r);
    if (p.phase === 'fetch' && p.step !== undefined) this.fetched = true;
    // web-llm's "Finish loading" is not the end of our load (the tokenizer is read after it).
    if (p.phase === 'done') return this.emit({ phase: 'shaders', phaseFraction: 1 }, r.text);
    return this.emit(p, r.text);
  }

  /** The final event (after our own post-load steps). */
  done(text: string): LoadProgress {
    return this.emit({ phase: 'done', phaseFraction: 1 }, text);
  }

  private emit(p: ParsedProgress, text: string): LoadProgress {
    let fraction: number;
    if (p.phase === 'done') fraction = 1;
    else {
      const [a, b] = (this.fetched ? SPANS_WITH_FETCH : SPANS_CACHED)[p.phase];
      fraction = Math.min(0.999, a + (b - a) * p.phaseFraction);
    }
    this.last = Math.max(this.last, fraction);
    const out: LoadProgress = { phase: p.phase, fraction: this.last, text };
    if (p.loadedBytes !== undefined) out.loadedBytes = p.loadedBytes;
    if (p.totalBytes !== undefined) out.totalBytes = p.totalBytes;
    return out;
  }
}
