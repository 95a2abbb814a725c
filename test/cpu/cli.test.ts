import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';

let models: Record<string, string>;
beforeAll(() => {
  models = ensureTinyModels();
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdin: Readable.from([]), out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('generate / logprobs / classify commands (cpu engine)', () => {
  it('generate prints the greedy text; --json the whole result', async () => {
    const dir = models['tiny-random-llama-q4f16_1'];
    const r = await cli('generate', '--model', dir, '--prompt', 'Hello', '--bos', '--max-tokens', '5', '--ignore-eos', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { tokenIds: number[]; finishReason: string; text: string };
    expect(res.tokenIds).toHaveLength(5);
    expect(res.finishReason).toBe('length');
    const plain = await cli('generate', '--model', dir, '--prompt', 'Hello', '--bos', '--max-tokens', '5', '--ignore-eos');
    expect(plain.out).toBe(res.text + '\n');
  });

  it('logprobs prints the top-k as JSON, best first', async () => {
    const r = await cli('logprobs', '--model', models['tiny-random-llama-f32'], '--prompt', 'Hello', '--top', '4');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { promptIds: number[]; top: { id: number; logprob: number }[] };
    expect(res.promptIds).toEqual([15043]);
    expect(res.top).toHaveLength(4);
    expect(res.top.map((t) => t.logprob)).toEqual([...res.top.map((t) => t.logprob)].sort((a, b) => b - a));
  });

  it('classify scores the labels at the paper\'s ids', async () => {
    const r = await cli('classify', '--model', 'tiny-random-llama-q4f16_1', '--task', 'sentiment', '--prompt', 'Great movie. Sentiment:', '--bos');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { labels: string[]; labelTokenIds: number[]; probs: number[]; prediction: string };
    expect(res.labels).toEqual(['positive', 'negative']);
    expect(res.labelTokenIds).toEqual([1066, 22198]);
    expect(res.probs[0] + res.probs[1]).toBeCloseTo(1, 10);
    expect(res.labels).toContain(res.prediction);
  });

  it('--engine webgpu is refused in Node with a clear line; bad options are usage errors', async () => {
    const r = await cli('generate', '--engine', 'webgpu', '--model', 'x', '--prompt', 'a');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ftlab: engine "webgpu" is not available: WebGPU \(web-llm\) runs only in a browser/);
    expect((await cli('generate', '--model', 'x')).code).toBe(2);
    expect((await cli('classify', '--model', 'x', '--task', 'summary', '--prompt', 'a')).err).toMatch(/has no labels/);
    const missing = await cli('generate', '--model', '/nonexistent/model', '--prompt', 'a');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/mlc-chat-config\.json could not be read/);
  });
});
