/** An HTML page answering an artifact request (vite preview's index.html fallback) reads as "missing". */
import { describe, expect, it } from 'vitest';
import { ArtifactMissingError } from '../../src/core/engine-errors.ts';
import { fetchFileSource, looksLikeHtml, readJsonFile } from '../../src/core/mlc/file-source.ts';

const page = '<!doctype html>\n<html lang="en"><head></head><body><div id="app"></div></body></html>';
const answer = (body: string, type: string) => async () => new Response(body, { status: 200, headers: { 'content-type': type } });

describe('an HTML answer to an artifact request', () => {
  it('is "missing", not "Unexpected token \'<\'"', async () => {
    const source = fetchFileSource('http://127.0.0.1:1/models/x/', { fetchImpl: answer(page, 'text/html') });
    const e = await readJsonFile(source, 'tokenizer.json').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ArtifactMissingError);
    expect((e as Error).message).toMatch(/model file tokenizer\.json could not be read: GET http:\/\/127\.0\.0\.1:1\/models\/x\/tokenizer\.json answered with an HTML page, not the file .*: the file is missing there/);
  });

  it('is recognised from the bytes when the server sends no HTML content type', async () => {
    const source = fetchFileSource('/m/', { origin: 'http://127.0.0.1:1', fetchImpl: answer(`\ufeff  ${page}`, 'application/octet-stream') });
    await expect(source('params_shard_0.bin')).rejects.toBeInstanceOf(ArtifactMissingError);
    expect(looksLikeHtml(new TextEncoder().encode('{"a": "<html>"}'))).toBe(false);
    expect(looksLikeHtml(new TextEncoder().encode('<HTML><body>'))).toBe(true);
  });
});
