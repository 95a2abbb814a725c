/**
 * Readers for the shared golden ROUGE values (computed by the real rouge-score 0.1.2 with nltk
 * 3.8 and numpy 1.24). They are read in place from ../shared and never copied into the repo.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUGE_GOLDEN } from '../helpers/paths.ts';
import type { Score } from '../../src/core/metrics/score.ts';

export interface GoldenRow {
  id: string;
  pair_id: string;
  category: string;
  prediction: string;
  reference: string;
  stem: boolean;
  rougeL: Score;
  rougeLsum?: Score;
  debug: { prediction_tokens: number; reference_tokens: number; lcs: number };
}

export interface GoldenMultiReference {
  id: string;
  prediction: string;
  references: string[];
  stem: boolean;
  rougeL: Score;
  rougeLsum: Score;
  chosen_reference: { rougeL: number; rougeLsum: number };
}

export interface GoldenAggregate {
  low: Score;
  mid: Score;
  high: Score;
}

export interface GoldenBootstrap {
  seed: number;
  rouge_types: string[];
  result: Record<string, GoldenAggregate>;
  evaluate_compute_output: Record<string, number>;
}

export interface GoldenCorpus {
  id: string;
  description: string;
  stem: boolean;
  pair_ids: string[];
  predictions: string[];
  references: string[];
  per_item_fmeasure: Record<string, number[]>;
  mean_fmeasure: Record<string, number>;
  bootstrap: GoldenBootstrap[];
}

export interface GoldenCorpusFile {
  meta: Record<string, unknown>;
  multi_reference: GoldenMultiReference[];
  corpora: GoldenCorpus[];
}

export function readGoldenRows(): GoldenRow[] {
  return readFileSync(path.join(ROUGE_GOLDEN, 'rouge_golden.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GoldenRow);
}

export function readGoldenCorpus(): GoldenCorpusFile {
  return JSON.parse(readFileSync(path.join(ROUGE_GOLDEN, 'rouge_golden_corpus.json'), 'utf8')) as GoldenCorpusFile;
}
