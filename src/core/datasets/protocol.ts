/**
 * The paper's evaluation protocol and study settings, as data (evaluate_cross.py,
 * run_evaluate.sh, train.py and the paper's text), with the study mapping configurable.
 */
import type { PaperTaskId } from '../tasks/types.ts';
import { PAPER_TASK_IDS } from '../tasks/paper-tasks.ts';
import { catalogueEntries } from './catalogue.ts';
import { UnknownDatasetError } from './errors.ts';

export const PAPER_PROTOCOL = Object.freeze({
  /** Items evaluated per test file: prompt_lst[0:250]. */
  evaluatedItems: 250,
  /** New tokens for generation tasks (vLLM SamplingParams max_tokens=60, greedy). */
  maxNewTokens: 60,
  /** run_evaluate.sh passes --max_new_tokens 5 for classification (only the first step is scored). */
  classificationMaxNewTokens: 5,
  /** Shot counts in evaluate_cross.py's order (0-shot is appended last). */
  shots: Object.freeze({
    summary: [4, 2, 1, 0],
    question: [4, 2, 1, 0],
    sentiment: [2, 4, 6, 0],
    detection: [2, 4, 6, 0],
    inference: [3, 5, 7, 0],
  }) as Readonly<Record<PaperTaskId, readonly number[]>>,
  /** Both prompt maps are evaluated for every shot count. */
  templates: [0, 1] as const,
  /** FTICL training: demos per example. */
  fticlShots: Object.freeze({
    summary: [1, 2],
    question: [1, 2],
    sentiment: [2, 4],
    detection: [2, 4],
    inference: [3, 5],
  }) as Readonly<Record<PaperTaskId, readonly number[]>>,
  /** FTICL training: whose few-shot file the demos come from (the first k, in file order). */
  fticlPools: Object.freeze({
    summary: 'xsum',
    question: 'socialqa',
    sentiment: 'amazon',
    detection: 'paws',
    inference: 'multinli',
  }) as Readonly<Record<PaperTaskId, string>>,
  /** Training uses train.py's PROMPT_MAP, which is map 0. */
  trainingTemplate: 0 as const,
  /** train.py's model_max_length: training sequences (source + target + EOS) are truncated here. */
  trainMaxLength: 1024,
  /** Llama-2's context window. */
  contextWindow: 4096,
  /** Training sizes per training set (xsum: only 2000 is published). */
  trainSizes: Object.freeze({
    xsum: [2000],
    socialqa: [2000, 4000, 6000],
    amazon: [2000, 4000, 6000],
    paws: [2000, 4000, 6000],
    multinli: [2000, 4000, 6000],
  }) as Readonly<Record<string, readonly number[]>>,
});

export interface StudySetting {
  readonly task: PaperTaskId;
  /** Same task, same domain: the training set's own test split and its sibling. */
  readonly inDomain: readonly string[];
  /** Same task, other domains. */
  readonly outOfDomain: readonly string[];
}

export type StudySettings = Readonly<Record<string, StudySetting>>;

/** The paper's split (its text and figure panels); a default, not scripture. */
export const DEFAULT_STUDY_SETTINGS: StudySettings = Object.freeze({
  xsum: { task: 'summary', inDomain: ['xsum', 'xlsum'], outOfDomain: ['pdfs', 'cnn'] },
  socialqa: { task: 'question', inDomain: ['socialqa'], outOfDomain: ['tweetqa', 'sciqa'] },
  amazon: { task: 'sentiment', inDomain: ['amazon', 'amazonfood'], outOfDomain: ['sst2', 'yelp'] },
  paws: { task: 'detection', inDomain: ['paws'], outOfDomain: ['qqp', 'stsb'] },
  multinli: { task: 'inference', inDomain: ['multinli', 'multinli2'], outOfDomain: ['rte', 'gptnli'] },
});

export interface ResolvedStudySetting extends StudySetting {
  readonly trainingSet: string;
  /** Test sets of the other four tasks, by task. */
  readonly crossTask: Readonly<Record<string, readonly string[]>>;
}

/**
 * The test sets a model fine-tuned on `trainingSet` is evaluated on. Cross-task sets are the
 * paper-used test sets of every other task (snli stays out, as in the paper).
 */
export function studySettingFor(trainingSet: string, settings: StudySettings = DEFAULT_STUDY_SETTINGS): ResolvedStudySetting {
  const s = settings[trainingSet];
  if (!s) throw new UnknownDatasetError(`${trainingSet} (training set)`, Object.keys(settings));
  const crossTask: Record<string, string[]> = {};
  for (const task of PAPER_TASK_IDS) {
    if (task === s.task) continue;
    crossTask[task] = catalogueEntries({ task, role: 'test', usedByPaper: true }).map((e) => e.dataset);
  }
  return { trainingSet, ...s, crossTask };
}
