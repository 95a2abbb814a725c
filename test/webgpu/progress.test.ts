import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseWebLlmProgress, ProgressTracker } from '../../workers/backends/webgpu/progress.ts';

const MB = 1024 * 1024;

// Texts exactly as web-llm 0.2.86 builds them (lib/index.js, fetchTensorCacheInternal and the shader loader).
const FETCH = 'Fetching param cache[3/107]: 96MB fetched. 2% completed, 5 secs elapsed. It can take a while when we first visit this page to populate the cache. Later refreshes will become faster.';
const CACHE = 'Loading model from cache[50/107]: 1800MB loaded. 46% completed, 3 secs elapsed.';
const SHADERS = 'Loading GPU shader modules[12/80]: 15% completed, 2 secs elapsed.';

describe('parseWebLlmProgress', () => {
  it('reads the fetch phase with shard counts and bytes', () => {
    const p = parseWebLlmProgress({ progress: 96 / 4000, timeElapsed: 5, text: FETCH });
    expect(p).toMatchObject({ phase: 'fetch', step: 3, steps: 107, loadedBytes: 96 * MB, seconds: 5 });
    expect(p.totalBytes).toBe(4000 * MB);
  });

  it('reads loading from cache, shaders, start and finish', () => {
    expect(parseWebLlmProgress({ progress: 0.46, timeElapsed: 3, text: CACHE })).toMatchObject({ phase: 'cache', step: 50, steps: 107, loadedBytes: 1800 * MB });
    expect(parseWebLlmProgress({ progress: 0.15, timeElapsed: 2, text: SHADERS })).toEqual({ phase: 'shaders', phaseFraction: 0.15, step: 12, steps: 80, seconds: 2 });
    expect(parseWebLlmProgress({ progress: 0, timeElapsed: 0, text: 'Start to fetch params' }).phase).toBe('fetch');
    expect(parseWebLlmProgress({ progress: 1, timeElapsed: 9, text: 'Finish loading on WebGPU - nvidia' }).phase).toBe('done');
    expect(parseWebLlmProgress({ progress: 0.5, timeElapsed: 0, text: 'something new' }).phase).toBe('init');
  });

  it('recognizes every progress text the installed web-llm emits', () => {
    // Guards against a web-llm upgrade changing the texts: each template must still be in lib/index.js.
    const require = createRequire(import.meta.url);
    const lib = readFileSync(require.resolve('@mlc-ai/web-llm'), 'utf8');
    for (const fragment of [
      '"Fetching param cache["',
      '"MB fetched. "',
      '"Loading model from cache["',
      '"MB loaded. "',
      '"% completed, "',
      '" secs elapsed."',
      '"Loading GPU shader modules["',
      '"Start to fetch params"',
      '"Finish loading on "',
    ]) {
      expect(lib, fragment).toContain(fragment);
    }
  });
});

describe('ProgressTracker', () => {
  it('gives one monotone fraction over a first load (fetch, cache, shaders)', () => {
    const t = new ProgressTracker();
    const seq = [
      t.init('checking model files'),
      t.update({ progress: 0, timeElapsed: 0, text: 'Start to fetch params' }),
      t.update({ progress: 0.5, timeElapsed: 5, text: FETCH.replace('96MB', '2000MB') }),
      t.update({ progress: 1, timeElapsed: 9, text: FETCH.replace('96MB', '4000MB') }),
      // web-llm restarts progress at 0 for the next phase:
      t.update({ progress: 0.1, timeElapsed: 1, text: CACHE }),
      t.update({ progress: 0.5, timeElapsed: 2, text: SHADERS }),
      t.update({ progress: 1, timeElapsed: 3, text: 'Finish loading on WebGPU - apple' }),
      t.done('ready'),
    ];
    const fractions = seq.map((p) => p.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions[2]).toBeCloseTo(0.02 + 0.78 * 0.5);
    expect(seq[6].fraction).toBeLessThan(1);
    expect(seq[7]).toMatchObject({ phase: 'done', fraction: 1 });
    expect(seq[2]).toMatchObject({ phase: 'fetch', loadedBytes: 2000 * MB, totalBytes: 4000 * MB });
  });

  it('spreads the bar over cache and shaders when nothing is downloaded', () => {
    const t = new ProgressTracker();
    t.update({ progress: 0, timeElapsed: 0, text: 'Start to fetch params' });
    const mid = t.update({ progress: 0.5, timeElapsed: 1, text: CACHE });
    expect(mid.phase).toBe('cache');
    expect(mid.fraction).toBeCloseTo(0.02 + 0.73 * 0.5);
  });
});
