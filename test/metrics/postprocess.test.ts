import { describe, expect, it } from 'vitest';
import { PYTHON_WHITESPACE, postprocessGeneration, pythonStrip } from '../../src/core/metrics/postprocess.ts';

describe('pythonStrip (Python str.strip())', () => {
  it('strips exactly the characters str.isspace() accepts', () => {
    // The 29 code points of CPython 3.11 where chr(c).isspace() is true.
    expect([...PYTHON_WHITESPACE].sort((a, b) => a - b)).toEqual([
      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
      0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
    ]);
    expect(pythonStrip('\u3000\u0085\x1c a b \u2029\t')).toBe('a b');
  });

  it('keeps what JavaScript trim() would remove but Python keeps', () => {
    expect(pythonStrip('\ufeffa\u200b')).toBe('\ufeffa\u200b');
    expect(pythonStrip('')).toBe('');
    expect(pythonStrip(' \n ')).toBe('');
  });
});

describe('postprocessGeneration (strip, then cut at the first "\\n\\n")', () => {
  it('follows the paper order', () => {
    expect(postprocessGeneration('  A summary.\n\nNext example')).toBe('A summary.');
    expect(postprocessGeneration('\n\nA summary.\nmore\n\n\nrest')).toBe('A summary.\nmore');
    // no strip after the cut
    expect(postprocessGeneration('a \n\nb')).toBe('a ');
    expect(postprocessGeneration('a \r\n\r\nb')).toBe('a \r\n\r\nb');
    expect(postprocessGeneration('   ')).toBe('');
  });
});
