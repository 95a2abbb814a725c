import { FtlabError } from '../errors.ts';

/** A template is not a valid Python format string (or uses a feature formatMap rejects). */
export class TemplateSyntaxError extends FtlabError {
  readonly template: string;
  readonly position: number;

  constructor(template: string, position: number, detail: string, hint?: string) {
    super(
      'template-syntax',
      `template ${JSON.stringify(abbreviate(template))}: ${detail} (at character ${position})`,
      hint ?? 'write fields as {name}, and literal braces as {{ and }}',
    );
    this.template = template;
    this.position = position;
  }
}

/** format_map raised KeyError: the mapping has no value for a field the template uses. */
export class TemplateFieldMissingError extends FtlabError {
  readonly field: string;

  constructor(field: string, available: readonly string[]) {
    super(
      'template-field-missing',
      `template field "${field}" has no value (the item has: ${available.map((f) => `"${f}"`).join(', ') || 'no fields'})`,
      `give the item a "${field}" field, or use a template that only names the item's fields`,
    );
    this.field = field;
  }
}

/** A value to insert is not text (format_map would call str() on it; only strings and integers are safe to mirror). */
export class TemplateValueTypeError extends FtlabError {
  readonly field: string;

  constructor(field: string, actual: string) {
    super(
      'template-value-type',
      `template field "${field}" must be a string, got ${actual}`,
      'dataset fields are text: convert the value to a string first',
    );
    this.field = field;
  }
}

/** A task definition (built-in or user-defined) is inconsistent. */
export class TaskDefinitionError extends FtlabError {
  readonly taskId: string;
  readonly problems: readonly string[];

  constructor(taskId: string, problems: readonly string[]) {
    super(
      'task-definition',
      `task "${taskId}" is invalid: ${problems.join('; ')}`,
      'fix the task definition: every template field must be an input field, labels must be unique and non-empty',
    );
    this.taskId = taskId;
    this.problems = problems;
  }
}

/** No task with this id. */
export class UnknownTaskError extends FtlabError {
  constructor(id: string, known: readonly string[]) {
    super('unknown-task', `unknown task "${id}"`, `use one of: ${known.join(', ')}`);
  }
}

function abbreviate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A template index the task does not have. */
export class UnknownTemplateError extends FtlabError {
  constructor(taskId: string, index: number, count: number) {
    super(
      'unknown-template',
      `task "${taskId}" has no template ${index}`,
      `use a template index from 0 to ${count - 1}, or pass a template string`,
    );
  }
}

/** A custom template names fields the task's items do not have. */
export class TemplateFieldsError extends FtlabError {
  readonly fields: readonly string[];

  constructor(taskId: string, fields: readonly string[], inputFields: readonly string[]) {
    super(
      'template-fields',
      `template uses ${fields.map((f) => `{${f}}`).join(', ')}, not input fields of task "${taskId}" (${inputFields.join(', ')})`,
      `use only ${inputFields.map((f) => `{${f}}`).join(', ')}`,
    );
    this.fields = fields;
  }
}
