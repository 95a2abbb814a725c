import { describe, expect, it } from 'vitest';
import { FakeEngine, fakeLogits, fakeLoglikelihood, fnv } from '../run/fake-engine.ts';
import { argmaxFirst, inContextLabelTokens, logSoftmax, renormalize, scoreFirstToken, scoreFullLabel, type LabelTokenizer } from '../../src/core/scoring/index.ts';

describe('scoreFirstToken', () => {
  it('compares the full-vocabulary log-probs at the label ids and predicts the argmax', async () => {
    const engine = new FakeEngine();
    const prompt = { text: 'Review: great.\nSentiment:', bos: true };
    const ids = [5, 17, 40];
    const r = await scoreFirstToken(engine, prompt, ['a', 'b', 'c'], ids);
    const expected = ids.map((id) => logSoftmax(fakeLogits(prompt))[id]);
    expect(r.logprobs).toEqual(expected);
    expect(r.predictionIndex).toBe(argmaxFirst(expected));
    expect(r.prediction).toBe(['a', 'b', 'c'][argmaxFirst(expected)]);
    expect(r.probs).toEqual(renormalize(expected));
    expect(r.probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(engine.calls.scoreNext).toBe(1);
    expect(r.method).toBe('first-token');
  });

  it('rejects mismatched labels and ids', async () => {
    await expect(scoreFirstToken(new FakeEngine(), { text: 'x', bos: false }, ['a'], [1, 2])).rejects.toMatchObject({ code: 'label-token' });
  });
});

describe('scoreFullLabel', () => {
  // A tokenizer whose trailing space merges into the next word, like sentencepiece's "▁".
  const tokenizer: LabelTokenizer = {
    encode(text) {
      return [...text.matchAll(/ ?[A-Za-z]+|[^A-Za-z ]| $/g)].map((m) => 3 + (fnv(m[0]) % 60));
    },
  };

  it('sums the log-probs over each label\'s in-context tokens', async () => {
    const engine = new FakeEngine();
    const prompt = { text: 'Relation:', bos: false };
    const promptIds = await tokenizer.encode(prompt.text, { bos: false });
    const tokens = [];
    for (const label of ['yes', 'no']) tokens.push(await inContextLabelTokens(tokenizer, prompt.text, false, label));
    expect(tokens.map((t) => t.absorbedPromptTokens)).toEqual([0, 0]);
    const r = await scoreFullLabel(engine, prompt, tokens, promptIds);
    expect(r.logprobs).toEqual(tokens.map((t) => fakeLoglikelihood(prompt, t.ids)));
    expect(engine.calls.loglikelihood).toBe(2);
    expect(engine.lastLoglikelihood[0].prompt).toEqual(prompt);
  });

  it('scores after the common prefix (as ids) when the label absorbs the prompt\'s trailing space', async () => {
    const engine = new FakeEngine();
    const prompt = { text: 'The relation is ', bos: false };
    const promptIds = await tokenizer.encode(prompt.text, { bos: false });
    const t = await inContextLabelTokens(tokenizer, prompt.text, false, 'entailment');
    expect(t.absorbedPromptTokens).toBe(1);
    const r = await scoreFullLabel(engine, prompt, [t], promptIds);
    const prefix = { ids: promptIds.slice(0, t.prefixLength) };
    expect(engine.lastLoglikelihood[0].prompt).toEqual(prefix);
    expect(r.logprobs[0]).toBe(fakeLoglikelihood(prefix, t.ids));
  });
});
