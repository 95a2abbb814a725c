import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TemplateFieldMissingError,
  TemplateSyntaxError,
  TemplateValueTypeError,
  compileTemplate,
  formatMap,
  templateFields,
} from '../../src/core/tasks/index.ts';

describe('formatMap mirrors Python str.format_map', () => {
  // Expected values are what CPython 3 prints for template.format_map(mapping).
  it.each([
    ['{a}', { a: 'x' }, 'x'],
    ['{{a}}', { a: 'x' }, '{a}'],
    ['{{{a}}}', { a: 'x' }, '{x}'],
    ['}}{a}{{', { a: 'x' }, '}x{'],
    ['{a}{a}', { a: '{b}' }, '{b}{b}'],
    ['{ a}', { ' a': 'y' }, 'y'],
    ['{a!s}', { a: 'x' }, 'x'],
    ['{a:}', { a: 'x' }, 'x'],
    ['', {}, ''],
    ['no fields', {}, 'no fields'],
    ['{my field}', { 'my field': 'z' }, 'z'],
    ['{n}', { n: 42 }, '42'],
    ['### Input:\n{input}\n### Summary:', { input: 'a\n\nb {x} }}' }, '### Input:\na\n\nb {x} }}\n### Summary:'],
  ] as const)('%j with %j → %j', (template, mapping, expected) => {
    expect(formatMap(template, mapping)).toBe(expected);
  });

  it.each([
    ['{', /single '\{' encountered/],
    ['}', /single '\}' encountered/],
    ['{a', /expected '\}' before end of string/],
    ['a}', /single '\}' encountered/],
    ['{}', /positional field/],
    ['{0}', /positional field/],
    ['{a.b}', /attribute or index access/],
    ['{a[0]}', /attribute or index access/],
    ['{a!r}', /conversion "!r"/],
    ['{a!}', /conversion "!"/],
    ['{a:>5}', /format spec ":>5"/],
    ['{a{b}}', /nested fields/],
  ])('rejects %j', (template, message) => {
    expect(() => formatMap(template, { a: 'x', b: 'y' })).toThrow(TemplateSyntaxError);
    expect(() => formatMap(template, { a: 'x', b: 'y' })).toThrow(message);
  });

  it('a missing key names the field (KeyError)', () => {
    const run = () => formatMap('### Input_1:\n{input_1}\n### Input_2:\n{input_2}', { input_1: 'a' });
    expect(run).toThrow(TemplateFieldMissingError);
    expect(run).toThrow(/template field "input_2" has no value/);
    try {
      run();
    } catch (e) {
      expect((e as TemplateFieldMissingError).field).toBe('input_2');
      expect((e as TemplateFieldMissingError).code).toBe('template-field-missing');
    }
  });

  it('inherited properties are not values', () => {
    expect(() => formatMap('{toString}', {})).toThrow(TemplateFieldMissingError);
  });

  it('rejects values it cannot mirror', () => {
    expect(() => formatMap('{a}', { a: 1.5 })).toThrow(TemplateValueTypeError);
    expect(() => formatMap('{a}', { a: null as unknown as string })).toThrow(TemplateValueTypeError);
  });

  it('reports fields in order of first use', () => {
    expect(templateFields('{b} {a} {b}')).toEqual(['b', 'a']);
    expect(compileTemplate('x{{y}}').fields).toEqual([]);
  });
});

describe('formatMap properties', () => {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/);
  const literal = fc.string({ maxLength: 12 });
  const escape = (s: string) => s.replaceAll('{', '{{').replaceAll('}', '}}');

  it('escaped literal text comes back unchanged', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => formatMap(escape(s), {}) === s));
  });

  it('equals plain concatenation of literals and values, values inserted verbatim', () => {
    const part = fc.oneof(literal.map((text) => ({ text })), name.map((field) => ({ field })));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), fc.dictionary(name, fc.string({ maxLength: 10 })), (parts, given) => {
        const mapping: Record<string, string> = { ...given };
        for (const p of parts) if ('field' in p && !(p.field in mapping)) mapping[p.field] = `<${p.field}>`;
        const template = parts.map((p) => ('text' in p ? escape(p.text) : `{${p.field}}`)).join('');
        const expected = parts.map((p) => ('text' in p ? p.text : mapping[p.field])).join('');
        expect(formatMap(template, mapping)).toBe(expected);
      }),
    );
  });

  it('a template naming a field the mapping lacks always raises for that field', () => {
    fc.assert(
      fc.property(literal, name, literal, (before, missing, after) => {
        try {
          formatMap(`${escape(before)}{${missing}}${escape(after)}`, {});
          return false;
        } catch (e) {
          return e instanceof TemplateFieldMissingError && e.field === missing;
        }
      }),
    );
  });
});
