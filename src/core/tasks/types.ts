/** The paper's five task ids. User-defined tasks may use any other id. */
export type PaperTaskId = 'summary' | 'question' | 'sentiment' | 'detection' | 'inference';

export type Metric = 'rougeL' | 'accuracy';

/** The two templates of the paper's prompt_map.json (map 0 = "### Input:" style, map 1 = natural language). */
export type TemplateIndex = 0 | 1;

export interface TaskDefinition {
  readonly id: string;
  /** Human-readable name, e.g. "paraphrase detection". */
  readonly name: string;
  /** Item fields the templates read, in display order (e.g. ["input_1", "input_2"]). */
  readonly inputFields: readonly string[];
  /** The field holding the reference (generation) or gold label (classification). */
  readonly referenceField: 'output';
  /**
   * Ordered label set for classification (the order is the paper's index order:
   * max_idx 0 is labels[0]); empty for generation tasks.
   */
  readonly labels: readonly string[];
  /**
   * Reference values that mean "no gold label" (SNLI/MultiNLI's "-": annotators disagreed).
   * Such items are kept (the paper keeps them and they can never be scored right); the parser
   * reports them as warnings, not errors.
   */
  readonly noLabelMarkers: readonly string[];
  readonly metric: Metric;
  /** Prompt templates, filled with Python str.format_map semantics (see formatMap). */
  readonly templates: readonly string[];
  /**
   * The paper's fixed Llama-2 ids of each label's first token, in label order (what
   * evaluate_cross.py compares at the first generated position); classification tasks only.
   */
  readonly paperLabelTokenIds?: readonly number[];
}

export function isClassification(task: TaskDefinition): boolean {
  return task.labels.length > 0;
}
