/**
 * Python's `str.format_map(mapping)`, faithfully, for the subset templates need: the paper
 * fills its prompt templates with it, so any difference here would be a different prompt.
 *
 * Supported: literal text, `{name}` (any name without `.`, `[`, `!`, `:`, `{`, `}`, as in
 * Python, spaces included), `{{` / `}}` escapes, the no-op forms `{name!s}` and `{name:}`.
 * Values are inserted verbatim (str() of a str is itself).
 * Rejected with TemplateSyntaxError, where Python would raise or would do something this code
 * does not mirror: a lone `{` or `}`, an unclosed field, positional fields (`{}`, `{0}`, which
 * format_map cannot fill from a dict of names), attribute/index access (`{a.b}`, `{a[0]}`),
 * the `!r`/`!a` conversions, non-empty format specs (`{a:>10}`) and nested fields.
 * A missing key raises TemplateFieldMissingError naming the field (Python's KeyError).
 */
import { TemplateFieldMissingError, TemplateSyntaxError, TemplateValueTypeError } from './errors.ts';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; name: string };

export interface CompiledTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Field names in order of first use, without repeats. */
  readonly fields: readonly string[];
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 256;

/** Parse a template once; the result is cached (templates are few and reused per item). */
export function compileTemplate(template: string): CompiledTemplate {
  const hit = cache.get(template);
  if (hit) return hit;
  const compiled = parse(template);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(template, compiled);
  return compiled;
}

/** Field names a template uses, in order of first use. */
export function templateFields(template: string): readonly string[] {
  return compileTemplate(template).fields;
}

export type FormatValue = string | number;

/** `template.format_map(mapping)`. */
export function formatMap(template: string | CompiledTemplate, mapping: Readonly<Record<string, FormatValue | undefined>>): string {
  const compiled = typeof template === 'string' ? compileTemplate(template) : template;
  let out = '';
  for (const part of compiled.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = Object.prototype.hasOwnProperty.call(mapping, part.name) ? mapping[part.name] : undefined;
    if (value === undefined) throw new TemplateFieldMissingError(part.name, Object.keys(mapping));
    if (typeof value === 'string') out += value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) out += String(value); // str(int) == String(int)
    else throw new TemplateValueTypeError(part.name, describe(value));
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return `the non-integer number ${v} (Python's str() of a float differs from JavaScript's)`;
  return typeof v;
}

function parse(template: string): CompiledTemplate {
  const parts: TemplatePart[] = [];
  const fields: string[] = [];
  let text = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const c = template[i];
    if (c === '}') {
      if (template[i + 1] === '}') {
        text += '}';
        i += 2;
        continue;
      }
      throw new TemplateSyntaxError(template, i, "single '}' encountered", "write a literal '}' as '}}'");
    }
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (i + 1 >= n) throw new TemplateSyntaxError(template, i, "single '{' encountered", "write a literal '{' as '{{'");
    const start = i;
    const close = template.indexOf('}', i + 1);
    const nested = template.indexOf('{', i + 1);
    if (close < 0) throw new TemplateSyntaxError(template, start, "expected '}' before end of string");
    if (nested >= 0 && nested < close) {
      throw new TemplateSyntaxError(template, nested, "'{' inside a field (nested fields are not supported)");
    }
    const name = parseField(template, start, template.slice(i + 1, close));
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'field', name });
    if (!fields.includes(name)) fields.push(name);
    i = close + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return { source: template, parts, fields };
}

/** The field's key, from the text between the braces. */
function parseField(template: string, at: number, body: string): string {
  // Python's field: arg_name ("." attr | "[" key "]")* ("!" conversion)? (":" spec)?
  let name = body;
  let conversion: string | undefined;
  let spec: string | undefined;
  const bang = body.indexOf('!');
  const colon = body.indexOf(':');
  if (colon >= 0 && (bang < 0 || colon < bang)) {
    name = body.slice(0, colon);
    spec = body.slice(colon + 1);
  } else if (bang >= 0) {
    name = body.slice(0, bang);
    const rest = body.slice(bang + 1);
    const c2 = rest.indexOf(':');
    conversion = c2 >= 0 ? rest.slice(0, c2) : rest;
    spec = c2 >= 0 ? rest.slice(c2 + 1) : undefined;
  }
  if (name.includes('.') || name.includes('[')) {
    throw new TemplateSyntaxError(template, at, `field "${name}" uses attribute or index access, which is not supported`);
  }
  if (name === '' || /^[0-9]+$/.test(name)) {
    throw new TemplateSyntaxError(
      template,
      at,
      `positional field {${body}} cannot be filled by name`,
      'name every field, e.g. {input}',
    );
  }
  if (conversion !== undefined && conversion !== 's') {
    throw new TemplateSyntaxError(template, at, `conversion "!${conversion}" in field "${name}" is not supported`, 'use {name} (or {name!s})');
  }
  if (spec !== undefined && spec !== '') {
    throw new TemplateSyntaxError(template, at, `format spec ":${spec}" in field "${name}" is not supported`, 'use {name}: values are inserted verbatim');
  }
  return name;
}
