/**
 * tokenization 'paper-code': the runner feeds the exact ids the authors' evaluate_cross.py
 * produced (HF's extra "▁" after the literal "<s> ", vLLM's BOS on generation prompts), keeps
 * them in the record, and keys and hashes those cells apart from the protocol's.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { FakeEngine } from './fake-engine.ts';
import { MemoryRecordStore, runPlan, expandPlan, type EvalPlan, type TestSet, type ClassificationRecord, type GenerationRecord } from '../../src/core/run/index.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import { parseDataset } from '../../src/core/datasets/parse.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { promptHash } from '../../src/core/hash.ts';
import { encode } from '../../src/core/tokenizer/index.ts';
import type { GenerateRequest, PromptInput } from '../../src/core/engine.ts';

function load(task: TaskDefinition, rel: string): TaskItem[] {
  return [...parseDataset(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'), { task, source: path.basename(rel) }).items];
}

/** The fake engine, remembering what it was fed. */
class SpyEngine extends FakeEngine {
  fed: PromptInput[] = [];
  override async generate(req: GenerateRequest) {
    this.fed.push(req.prompt);
    return super.generate(req);
  }
  override async scoreNext(prompt: PromptInput, ids: number[]) {
    this.fed.push(prompt);
    return super.scoreNext(prompt, ids);
  }
}

const MODEL = { id: 'fake', url: '/nowhere' };
const plan = (testSets: TestSet[], over: Partial<EvalPlan>): EvalPlan => ({ models: [MODEL], testSets, modes: ['zero-shot'], templates: [0], limit: 2, ...over });

describe("tokenization 'paper-code'", () => {
  const sst2 = load(SENTIMENT, 'sentiment/sst2_test_500.json');
  const sst2Demos = load(SENTIMENT, 'sentiment/few_shot/sst2_few_shot.json');
  const xsum = load(SUMMARY, 'summary/xsum_test_500.json');
  const xsumDemos = load(SUMMARY, 'summary/few_shot/xsum_few_shot.json');

  it('feeds classification zero-shot [BOS, ▁, ...] and k-shot without BOS; records the ids', async () => {
    const engine = new SpyEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'sst2', task: SENTIMENT, items: sst2, demos: sst2Demos }], { modes: ['zero-shot', 'icl'], shots: [2], tokenization: 'paper-code' }), { engine, store, runId: 'r' });
    expect(res.status).toBe('done');
    expect(res.cells.map((c) => c.key)).toEqual([
      'model=fake|data=sst2|task=sentiment|mode=zero-shot|shots=0|map=0|score=paper|tok=paper-code',
      'model=fake|data=sst2|task=sentiment|mode=icl|shots=2|map=0|score=paper|tok=paper-code',
    ]);
    const zero = buildPrompt(SENTIMENT, sst2[0], { mode: 'zero-shot', shots: 0, demos: [], template: 0, countTokens: false });
    const icl = buildPrompt(SENTIMENT, sst2[0], { mode: 'icl', shots: 2, demos: sst2Demos, template: 0, countTokens: false });
    expect(engine.fed[0]).toEqual({ ids: [1, 29871, ...encode(zero.text)] });
    expect(engine.fed[2]).toEqual({ ids: encode(icl.text) });
    const rec = (await store.getByCell(res.cells[0].key))[0] as ClassificationRecord;
    expect(rec.promptIds).toEqual([1, 29871, ...encode(zero.text)]);
    expect(rec.prompt).toBe(zero.text);
    expect(rec.promptHash).toBe(await promptHash({ ids: rec.promptIds! }));
    expect(rec.promptHash).not.toBe(await promptHash({ text: zero.text, bos: true }));
    expect(rec.labelTokenIds).toEqual([1066, 22198]);
  });

  it('feeds generation prompts with vLLM\'s BOS: zero-shot [BOS, BOS, ▁, ...], k-shot [BOS, ...]', async () => {
    const engine = new SpyEngine();
    const store = new MemoryRecordStore();
    await runPlan(plan([{ name: 'xsum', task: SUMMARY, items: xsum, demos: xsumDemos }], { modes: ['zero-shot', 'icl'], shots: [1], templates: [1], tokenization: 'paper-code' }), { engine, store, runId: 'r' });
    const zero = buildPrompt(SUMMARY, xsum[0], { mode: 'zero-shot', shots: 0, demos: [], template: 1, countTokens: false });
    const icl = buildPrompt(SUMMARY, xsum[0], { mode: 'icl', shots: 1, demos: xsumDemos, template: 1, countTokens: false });
    expect(engine.fed[0]).toEqual({ ids: [1, 1, 29871, ...encode(zero.text)] });
    expect(engine.fed[2]).toEqual({ ids: [1, ...encode(icl.text)] });
    const rec = (await store.getByCell('model=fake|data=xsum|task=summary|mode=icl|shots=1|map=1|score=generate|tok=paper-code'))[0] as GenerationRecord;
    expect(rec.promptIds).toEqual([1, ...encode(icl.text)]);
  });

  it('leaves protocol cells as they were (same keys, text prompts, no promptIds)', async () => {
    const engine = new SpyEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'sst2', task: SENTIMENT, items: sst2 }], {}), { engine, store, runId: 'r' });
    expect(res.cells[0].key).toBe('model=fake|data=sst2|task=sentiment|mode=zero-shot|shots=0|map=0|score=paper');
    expect('text' in engine.fed[0]).toBe(true);
    expect((await store.getByCell(res.cells[0].key))[0].promptIds).toBeUndefined();
  });

  it('refuses combinations the authors\' code has no path for', () => {
    const fticl = { task: SENTIMENT, demos: sst2Demos };
    expect(() => expandPlan(plan([{ name: 'sst2', task: SENTIMENT, items: sst2, fticl }], { modes: ['fticl'], shots: [2], tokenization: 'paper-code' }))).toThrow(/no FTICL evaluation path/);
    expect(() => expandPlan(plan([{ name: 'sst2', task: SENTIMENT, items: sst2 }], { labelScoring: 'in-context', tokenization: 'paper-code' }))).toThrow(/paper's way only/);
  });
});
