import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalPromptString, promptHash, sha256Hex } from '../../src/core/hash.ts';

describe('hash', () => {
  it('sha256Hex matches the FIPS 180-2 vector and node:crypto on UTF-8 text', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const text = '### Input:\nCafé — 東京 😀\n### Summary:';
    expect(await sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(await sha256Hex(new Uint8Array([1, 2, 3]))).toBe(createHash('sha256').update(Buffer.from([1, 2, 3])).digest('hex'));
  });

  it('promptHash covers the BOS flag and the text, and tells text from ids', async () => {
    const a = await promptHash({ text: 'x', bos: true });
    expect(a).toBe(await sha256Hex('ftlab-prompt-v1\ntext\n1\nx'));
    expect(a).not.toBe(await promptHash({ text: 'x', bos: false }));
    expect(a).not.toBe(await promptHash({ text: 'x ', bos: true }));
    expect(canonicalPromptString({ ids: [1, 22, 3] })).toBe('ftlab-prompt-v1\nids\n1,22,3');
    // A text cannot impersonate a flag: the flag is one fixed character before the first "\n" of the text part.
    expect(canonicalPromptString({ text: '1\nx', bos: false })).not.toBe(canonicalPromptString({ text: 'x', bos: true }));
  });
});
