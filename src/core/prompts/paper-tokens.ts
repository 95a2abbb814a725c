/**
 * The token ids the authors' evaluate_cross.py actually fed Llama-2, which differ from the clean
 * {text, bos} form of a BuiltPrompt in ways the README does not say:
 *
 * - Classification tasks go through Hugging Face's tokenizer with add_special_tokens=False.
 *   AutoTokenizer loads the fast Llama tokenizer (legacy mode), whose normalizer prepends "▁"
 *   to every text segment, including the one after the special token "<s>". So the zero-shot
 *   string "<s> " + t becomes [BOS, "▁", ...encode(t)]: one extra lone-space token (29871).
 *   k-shot prompts: encode(text), no BOS, as the README says.
 * - Generation tasks (summary, question) go through vLLM's LLM.generate(list of strings), which
 *   tokenizes with tokenizer.encode(prompt), i.e. add_special_tokens=True: every prompt gets a
 *   BOS, so k-shot prompts start with BOS and zero-shot ones with two (the automatic one and
 *   the "<s>" text), then the extra "▁".
 *
 * Verified: the per-segment "▁" with the Rust `tokenizers` library on a tokenizer.json with
 * Llama-2's legacy normalizer ("<s> ### Input" → ["<s>", "▁", "▁###", "▁Input"]); vLLM's
 * add_request path calling tokenizer.encode(prompt) in its source. Not verifiable here: the
 * authors' exact library versions. FT training (train.py) is [BOS, ...encode(source + target)].
 */
import type { TaskDefinition } from '../tasks/types.ts';
import { BOS_ID, encode } from '../tokenizer/llama.ts';
import type { BuiltPrompt } from './types.ts';

/** The lone "▁" piece. */
export const SPACE_PIECE_ID = 29871;

export type PaperTokenizationPath = 'hf-no-special-tokens' | 'vllm-encode';

/** Which tokenization evaluate_cross.py used for a task: vLLM for generation, HF for classification. */
export function paperTokenizationPath(task: TaskDefinition): PaperTokenizationPath {
  return task.labels.length > 0 ? 'hf-no-special-tokens' : 'vllm-encode';
}

/** The ids the paper's code produced for an evaluation prompt (zero-shot or icl). */
export function paperEvaluationTokenIds(task: TaskDefinition, prompt: Pick<BuiltPrompt, 'mode' | 'text'>, path = paperTokenizationPath(task)): number[] {
  if (prompt.mode === 'fticl') throw new RangeError('fticl prompts are training sources: train.py tokenizes them as [BOS, ...encode(source + target)]');
  const lead = path === 'vllm-encode' ? [BOS_ID] : [];
  if (prompt.mode === 'zero-shot') return [...lead, BOS_ID, SPACE_PIECE_ID, ...encode(prompt.text)];
  return [...lead, ...encode(prompt.text)];
}
