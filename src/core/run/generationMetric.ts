/** The paper's score of one generated text: post-process, then ROUGE-L against the reference. */
import { postprocessGeneration, rougeL, type Score } from '../metrics/index.ts';

export function generationMetric(output: string, reference: string): { prediction: string; rougeL: Score } {
  const prediction = postprocessGeneration(output);
  // rouge-score takes the reference first; no stemming (the paper's default).
  return { prediction, rougeL: rougeL(reference, prediction) };
}
