/**
 * Checking a stored record's shape before it is trusted: a records file (`ftlab eval --out`)
 * or an imported export is read back field by field, so a wrong-typed field in the middle of a
 * file is refused on open, naming the field, instead of failing later in an aggregate with a
 * message that names nothing (or summarising as if nothing were wrong).
 *
 * `describeRecordProblem(v)` returns undefined for a record ftlab could have written, else one
 * phrase naming the first bad field ("field \"labelLogprobs\" must be a list of numbers, not
 * [\"x\"]"). Extra fields are allowed (a later ftlab may add some).
 */
import { PROMPT_MODES as EVAL_MODES, PROMPT_TOKENIZATIONS } from '../prompts/types.ts';
import { LABEL_SCORINGS } from '../scoring/classify.ts';
import type { RunMeta, SampleRecord } from './records.ts';

type Obj = Record<string, unknown>;
type Check = (v: unknown) => boolean;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const finite: Check = (v) => typeof v === 'number' && Number.isFinite(v);
/** Log-probs may be -Infinity (a label the model gives probability 0), never NaN or +Infinity. */
const logprob: Check = (v) => typeof v === 'number' && !Number.isNaN(v) && v !== Infinity;
const nonNegInt: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const listOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const oneOf = (xs: readonly string[]): Check => (v) => typeof v === 'string' && xs.includes(v);
const prf: Check = (v) => isObj(v) && finite(v.precision) && finite(v.recall) && finite(v.fmeasure);
const timings: Check = (v) =>
  isObj(v) && str(v.startedAt) && ['totalMs', 'prefillMs', 'decodeMs', 'promptTokens', 'newTokens'].every((k) => finite(v[k])) && (v.prefilledTokens === undefined || nonNegInt(v.prefilledTokens));

const WHAT: Record<string, string> = {
  str: 'a string',
  bool: 'true or false',
  finite: 'a finite number',
  nonNegInt: 'a whole number ≥ 0',
};

interface FieldRule {
  check: Check;
  expected: string;
  optional?: boolean;
}

const rule = (check: Check, expected: string, optional = false): FieldRule => ({ check, expected, optional });

const BASE: Record<string, FieldRule> = {
  cellKey: rule(str, WHAT.str),
  item: rule(nonNegInt, WHAT.nonNegInt),
  promptHash: rule((v) => typeof v === 'string' && v.length > 0, 'a non-empty string (the prompt\'s SHA-256)'),
  modelId: rule(str, WHAT.str),
  dataset: rule(str, WHAT.str),
  task: rule(str, WHAT.str),
  mode: rule(oneOf(EVAL_MODES), `one of ${EVAL_MODES.join(', ')}`),
  shots: rule(nonNegInt, WHAT.nonNegInt),
  template: rule(nonNegInt, WHAT.nonNegInt),
  scoring: rule(oneOf(['generate', ...LABEL_SCORINGS]), `one of generate, ${LABEL_SCORINGS.join(', ')}`),
  tokenization: rule(oneOf(PROMPT_TOKENIZATIONS), `one of ${PROMPT_TOKENIZATIONS.join(', ')}`, true),
  maxNewTokens: rule(nonNegInt, WHAT.nonNegInt, true),
  prompt: rule(str, WHAT.str),
  bos: rule(bool, WHAT.bool),
  promptIds: rule(listOf(nonNegInt), 'a list of token ids', true),
  reference: rule(str, WHAT.str),
  runId: rule(str, WHAT.str),
  timings: rule(timings, '{startedAt, totalMs, prefillMs, decodeMs, promptTokens, newTokens, prefilledTokens?}'),
};

const BY_KIND: Record<SampleRecord['kind'], Record<string, FieldRule>> = {
  generation: {
    output: rule(str, WHAT.str),
    finishReason: rule(str, WHAT.str),
    prediction: rule(str, WHAT.str),
    rougeL: rule(prf, '{precision, recall, fmeasure} of finite numbers'),
    metric: rule(finite, WHAT.finite),
  },
  classification: {
    labels: rule(listOf(str), 'a list of strings'),
    labelTokenIds: rule(listOf(nonNegInt), 'a list of token ids'),
    labelLogprobs: rule(listOf(logprob), 'a list of log-probs (numbers, not NaN)'),
    labelProbs: rule(listOf(finite), 'a list of finite numbers'),
    predictionIndex: rule(nonNegInt, WHAT.nonNegInt),
    prediction: rule(str, WHAT.str),
    metric: rule(finite, WHAT.finite),
    warnings: rule(listOf(str), 'a list of strings', true),
  },
  error: {
    error: rule((v) => isObj(v) && str(v.code) && str(v.message) && (v.hint === undefined || str(v.hint)), '{code, message[, hint]} of strings'),
  },
};

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Why `v` is not a record ftlab writes (one phrase naming the field), or undefined. */
export function describeRecordProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a JSON object';
  const kind = v.kind;
  if (kind !== 'generation' && kind !== 'classification' && kind !== 'error') return `field "kind" must be generation, classification or error, not ${shown(kind)}`;
  const rules = { ...BASE, ...BY_KIND[kind] };
  for (const [field, r] of Object.entries(rules)) {
    const value = v[field];
    if (value === undefined) {
      if (r.optional) continue;
      return `field "${field}" is missing`;
    }
    if (!r.check(value)) return `field "${field}" must be ${r.expected}, not ${shown(value)}`;
  }
  if (kind === 'classification') {
    const length = (f: string): number => {
      const x = v[f];
      return Array.isArray(x) ? x.length : 0;
    };
    const n = length('labels');
    for (const f of ['labelTokenIds', 'labelLogprobs', 'labelProbs']) {
      if (length(f) !== n) return `field "${f}" has ${length(f)} entries for ${n} labels`;
    }
    const index = v.predictionIndex;
    if (typeof index === 'number' && index >= n) return `field "predictionIndex" ${index} is not a label index (0..${n - 1})`;
  }
  return undefined;
}

export function isSampleRecord(v: unknown): v is SampleRecord {
  return describeRecordProblem(v) === undefined;
}

const RUN_STATUSES = ['running', 'done', 'cancelled', 'failed'] as const;

/** Why `v` is not run metadata ftlab writes, or undefined. */
export function describeRunProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'field "run" must be an object';
  for (const f of ['id', 'createdAt', 'updatedAt'] as const) if (!str(v[f])) return `field "run.${f}" must be a string, not ${shown(v[f])}`;
  if (!oneOf(RUN_STATUSES)(v.status)) return `field "run.status" must be one of ${RUN_STATUSES.join(', ')}, not ${shown(v.status)}`;
  for (const f of ['done', 'total'] as const) if (!nonNegInt(v[f])) return `field "run.${f}" must be a whole number ≥ 0, not ${shown(v[f])}`;
  if (v.error !== undefined && !str(v.error)) return `field "run.error" must be a string, not ${shown(v.error)}`;
  return undefined;
}

export function isRunMeta(v: unknown): v is RunMeta {
  return describeRunProblem(v) === undefined;
}
