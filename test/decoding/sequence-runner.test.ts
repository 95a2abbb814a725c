import { describe, expect, it } from 'vitest';
import { argmax, findStop, logSoftmax, SequenceRunner, topK, type ForwardResult, type LogitsForwarder, type SequenceModel } from '../../src/core/decoding/index.ts';
import { ContextWindowExceededError, EngineRequestError } from '../../src/core/engine-errors.ts';

// A test double of a loaded model: characters are tokens, and the next token is a fixed function
// of the last token in the KV cache (a "bigram" table), so expected outputs are known exactly.
const VOCAB = ['<unk>', '<s>', '</s>', 'a', 'b', 'c', ' ', '\n'];
const id = (ch: string): number => VOCAB.indexOf(ch);

class BigramForwarder implements LogitsForwarder {
  kv: number[] = [];
  calls: { ids: number[]; isPrefill: boolean }[] = [];
  resets = 0;
  onForward?: () => void;
  constructor(private readonly next: Record<number, number>) {}
  async reset(): Promise<void> {
    this.kv = [];
    this.resets++;
  }
  async forward(ids: number[], isPrefill: boolean): Promise<ForwardResult> {
    this.calls.push({ ids: [...ids], isPrefill });
    this.kv.push(...ids);
    this.onForward?.();
    const last = this.kv[this.kv.length - 1];
    const logits = new Float32Array(VOCAB.length).fill(0);
    logits[this.next[last] ?? 0] = 5;
    logits[(this.next[last] ?? 0) === 3 ? 4 : 3] = 2; // a clear runner-up
    return { logits, computed: ids.length };
  }
}

function model(next: Record<number, number>, contextWindow = 64): { m: SequenceModel; f: BigramForwarder } {
  const f = new BigramForwarder(next);
  return {
    f,
    m: {
      forwarder: f,
      tokenizer: {
        encode: (t) => [...t].map(id),
        decode: (ids) => ids.map((i) => (i < 3 ? '' : VOCAB[i])).join(''),
        idToToken: (i) => VOCAB[i] ?? '',
      },
      vocabSize: VOCAB.length,
      contextWindow,
      bosId: 1,
      eosIds: [2],
    },
  };
}

// a→b, b→c, c→' ', ' '→a : "bc abc abc …"; '\n'→'</s>'.
const CYCLE = { [id('a')]: id('b'), [id('b')]: id('c'), [id('c')]: id(' '), [id(' ')]: id('a'), [id('<s>')]: id('a'), [id('\n')]: id('</s>') };

describe('math', () => {
  it('logSoftmax is a float64 normalized log distribution, stable for large logits', () => {
    const lp = logSoftmax(new Float32Array([1000, 1000, 0]));
    expect(lp[0]).toBeCloseTo(Math.log(0.5), 12);
    expect(Math.exp(lp[0]) + Math.exp(lp[1]) + Math.exp(lp[2])).toBeCloseTo(1, 12);
    expect(lp[2]).toBeCloseTo(-1000 - Math.log(2), 9);
  });
  it('argmax takes the first of ties and skips NaN; topK orders and ties by id', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([NaN, 0, NaN])).toBe(1);
    expect(() => argmax([NaN])).toThrow(EngineRequestError);
    expect(topK(new Float64Array([0.1, 0.5, 0.5, 0.3]), 3)).toEqual([
      { id: 1, logprob: 0.5 },
      { id: 2, logprob: 0.5 },
      { id: 3, logprob: 0.3 },
    ]);
  });
  it('findStop finds the earliest stop string', () => {
    expect(findStop('ab\n\ncd###', ['###', '\n\n'])).toBe(2);
    expect(findStop('abc', ['', 'x'])).toBe(-1);
  });
});

describe('SequenceRunner.generate', () => {
  it('decodes greedily from the exact prompt ids, no BOS unless asked', async () => {
    const { m, f } = model(CYCLE);
    const r = new SequenceRunner(m);
    const out = await r.generate({ prompt: { text: 'a', bos: false }, maxTokens: 5 });
    expect(out.text).toBe('bc ab');
    expect(out.finishReason).toBe('length');
    expect(out.promptTokens).toBe(1);
    expect(f.calls[0]).toEqual({ ids: [id('a')], isPrefill: true });
    // 5 tokens need 1 prefill + 4 decode steps (the last token needs no forward pass).
    expect(f.calls.length).toBe(5);
    expect(out.stats).toMatchObject({ prefillTokens: 1, decodeTokens: 4 });
    const withBos = await r.generate({ prompt: { text: 'a', bos: true }, maxTokens: 1 });
    expect(f.calls[5].ids).toEqual([1, id('a')]);
    expect(withBos.promptTokens).toBe(2);
    expect(f.resets).toBe(2);
  });

  it('stops at EOS (not included) and at stop strings (text cut there)', async () => {
    const { m } = model({ ...CYCLE, [id('c')]: id('\n') });
    const r = new SequenceRunner(m);
    const eos = await r.generate({ prompt: { ids: [id('a')] }, maxTokens: 10 });
    expect(eos).toMatchObject({ text: 'bc\n', finishReason: 'eos', tokenIds: [id('b'), id('c'), id('\n')] });
    const noEos = await r.generate({ prompt: { ids: [id('a')] }, maxTokens: 5, stopAtEos: false });
    expect(noEos.finishReason).toBe('length');
    expect(noEos.tokenIds.length).toBe(5);
    const stop = await r.generate({ prompt: { ids: [id('a')] }, maxTokens: 10, stop: ['c\n'] });
    expect(stop).toMatchObject({ text: 'b', finishReason: 'stop' });
  });

  it('checks the context window before running anything', async () => {
    const { m, f } = model(CYCLE, 8);
    const r = new SequenceRunner(m);
    const err = await r.generate({ prompt: { text: 'abcab', bos: true }, maxTokens: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextWindowExceededError);
    expect(err).toMatchObject({ promptTokens: 6, maxTokens: 3, contextWindow: 8 });
    expect(f.calls.length).toBe(0);
    await expect(r.generate({ prompt: { text: 'abcab', bos: true }, maxTokens: 2 })).resolves.toMatchObject({ finishReason: 'length' });
  });

  it('interrupt() stops between decode steps', async () => {
    const { m, f } = model(CYCLE);
    const r = new SequenceRunner(m);
    f.onForward = () => {
      if (f.calls.length === 3) r.interrupt();
    };
    const out = await r.generate({ prompt: { ids: [id('a')] }, maxTokens: 50 });
    expect(out.finishReason).toBe('interrupted');
    expect(out.tokenIds.length).toBe(3);
    // The flag is cleared by the next call.
    f.onForward = undefined;
    expect((await r.generate({ prompt: { ids: [id('a')] }, maxTokens: 4 })).finishReason).toBe('length');
  });

  it('rejects bad requests', async () => {
    const { m } = model(CYCLE);
    const r = new SequenceRunner(m);
    await expect(r.generate({ prompt: { ids: [] }, maxTokens: 1 })).rejects.toThrow(/empty prompt/);
    await expect(r.generate({ prompt: { ids: [99] }, maxTokens: 1 })).rejects.toThrow(/outside the vocabulary/);
    await expect(r.generate({ prompt: { ids: [3] }, maxTokens: -1 })).rejects.toThrow(/maxTokens/);
    expect((await r.generate({ prompt: { ids: [3] }, maxTokens: 0 })).tokenIds).toEqual([]);
  });
});

describe('SequenceRunner.scoreNext and loglikelihood', () => {
  it('scoreNext runs one forward pass and returns full-vocabulary log-probs', async () => {
    const { m, f } = model(CYCLE);
    const r = new SequenceRunner(m);
    const s = await r.scoreNext({ text: 'ab', bos: true }, [id('c'), id('a')], { topK: 2 });
    expect(f.calls).toEqual([{ ids: [1, id('a'), id('b')], isPrefill: true }]);
    const z = Math.log(Math.exp(5) + Math.exp(2) + 6);
    expect(s.logprobs[0]).toBeCloseTo(5 - z, 12);
    expect(s.logprobs[1]).toBeCloseTo(2 - z, 12);
    expect(s.top?.map((t) => t.token)).toEqual(['c', 'a']);
    expect(s.stats.decodeTokens).toBe(0);
    await expect(r.scoreNext({ ids: [3] }, [8])).rejects.toThrow(/candidate token id 8/);
  });

  it('loglikelihood teacher-forces one step per continuation token', async () => {
    const { m, f } = model(CYCLE);
    const r = new SequenceRunner(m);
    const z = Math.log(Math.exp(5) + Math.exp(2) + 6);
    const greedy = await r.loglikelihood({ text: 'a', bos: false }, 'bc');
    expect(f.calls).toEqual([
      { ids: [id('a')], isPrefill: true },
      { ids: [id('b')], isPrefill: false },
    ]);
    expect(greedy.isGreedy).toBe(true);
    expect(greedy.logprob).toBeCloseTo(2 * (5 - z), 12);
    expect(greedy.tokens.map((t) => t.token)).toEqual(['b', 'c']);
    const off = await r.loglikelihood({ ids: [id('a')] }, [id('a'), id('b')]);
    expect(off.isGreedy).toBe(false);
    expect(off.tokens[0].logprob).toBeCloseTo(2 - z, 12); // 'a' is the runner-up after 'a'
    expect(off.tokens[1].logprob).toBeCloseTo(5 - z, 12); // after forcing 'a', 'b' is greedy
    await expect(r.loglikelihood({ ids: [3] }, '')).rejects.toThrow(/empty continuation/);
    const stats = r.total;
    expect(stats.calls).toBe(2);
    expect(stats.prefillTokens).toBe(2);
    expect(stats.decodeTokens).toBe(2);
  });

  it('loglikelihood counts the continuation against the context window, like generated tokens', async () => {
    const { m } = model(CYCLE, 4);
    const r = new SequenceRunner(m);
    await expect(r.loglikelihood({ ids: [3, 4, 5] }, [6])).resolves.toBeTruthy();
    await expect(r.loglikelihood({ ids: [3, 4, 5] }, [6, 3])).rejects.toBeInstanceOf(ContextWindowExceededError);
  });
});

describe('SequenceRunner refuses what it cannot report', () => {
  it('a non-finite logit fails the call with the model\'s name (never a NaN score)', async () => {
    const { m, f } = model(CYCLE);
    const forward = f.forward.bind(f);
    f.forward = async (ids, isPrefill) => {
      const r = await forward(ids, isPrefill);
      r.logits[4] = Number.NaN;
      return r;
    };
    const r = new SequenceRunner({ ...m, modelId: 'broken-ft' });
    await expect(r.scoreNext({ text: 'a', bos: true }, [3])).rejects.toThrow(/model "broken-ft" produced a non-finite logit \(NaN for token id 4\)/);
    await expect(r.generate({ prompt: { text: 'a', bos: true }, maxTokens: 3, stop: [], stopAtEos: true })).rejects.toMatchObject({ code: 'non-finite-output' });
  });

  it('a text that cannot fit is refused from its length, before it is tokenized', async () => {
    const { m } = model(CYCLE, 64);
    let encoded = 0;
    const tokenizer = { ...m.tokenizer, maxPieceChars: 2, encode: (t: string) => (encoded++, m.tokenizer.encode(t)) };
    const r = new SequenceRunner({ ...m, tokenizer });
    await expect(r.generate({ prompt: { text: 'a'.repeat(200), bos: false }, maxTokens: 4, stop: [], stopAtEos: true })).rejects.toThrow(/prompt \(at least 100 tokens\) \+ 4 new tokens exceed the context window of 64/);
    expect(encoded).toBe(0);
    await expect(r.generate({ prompt: { text: 'a'.repeat(100), bos: false }, maxTokens: 4, stop: [], stopAtEos: true })).rejects.toThrow(ContextWindowExceededError);
    expect(encoded).toBe(1); // 50 tokens at least: tokenized, then refused on the exact count
  });
});
