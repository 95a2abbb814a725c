import { describe, expect, it } from 'vitest';
import { classifyPrompt, LABEL_SCORINGS, LabelTokenError, resolveLabelIds, scoreFirstToken } from '../../src/core/scoring/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { FakeEngine } from '../run/fake-engine.ts';

const sentiment = getTask('sentiment');
const prompt = { text: 'Review: a warm, funny film.\nSentiment:', bos: true };

describe('classifyPrompt: the one classification pipeline', () => {
  it('declares its scorings once', () => {
    expect(LABEL_SCORINGS).toEqual(['paper', 'in-context', 'full-label']);
  });

  it('paper scoring equals resolving the paper ids and scoring the first token', async () => {
    const engine = new FakeEngine();
    await engine.load({ id: 'fake', url: '' });
    const { scores, resolution } = await classifyPrompt(engine, { task: sentiment, prompt, scoring: 'paper', tokenizer: null });
    const ids = await resolveLabelIds({ task: sentiment, prompt: prompt.text, bos: true, mode: 'paper', tokenizer: null });
    expect(resolution.ids).toEqual(ids.ids);
    expect(scores).toEqual(await scoreFirstToken(engine, prompt, ids.labels, ids.ids));
    expect(scores.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('fixed ids (tokenization paper-code) are what the engine is fed', async () => {
    const engine = new FakeEngine();
    await engine.load({ id: 'fake', url: '' });
    const a = await classifyPrompt(engine, { task: sentiment, prompt: { ...prompt, ids: [1, 2, 3] }, scoring: 'paper', tokenizer: null });
    const b = await scoreFirstToken(engine, { ids: [1, 2, 3] }, a.resolution.labels, a.resolution.ids);
    expect(a.scores.logprobs).toEqual(b.logprobs);
  });

  it('in-context and full-label without a tokenizer are refused with one clear error (not a crash on missing ids)', async () => {
    const engine = new FakeEngine();
    await engine.load({ id: 'fake', url: '' });
    for (const scoring of ['in-context', 'full-label'] as const) {
      const err = await classifyPrompt(engine, { task: sentiment, prompt, scoring, tokenizer: null }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabelTokenError);
      expect((err as LabelTokenError).message).toContain(scoring);
    }
  });

  it('full-label sums each label over its in-context tokens with the engine tokenizer by default', async () => {
    const engine = new FakeEngine();
    await engine.load({ id: 'fake', url: '' });
    const { scores } = await classifyPrompt(engine, { task: sentiment, prompt, scoring: 'full-label' });
    expect(scores.method).toBe('full-label');
    expect(scores.labels).toEqual([...sentiment.labels]);
    expect(engine.calls.loglikelihood).toBe(sentiment.labels.length);
  });
});
