/**
 * Bad inputs to every command, as data: argv (with {D} for the fixture folder and {M} for a
 * model folder), stdin or file bytes → the exit code and a pattern for the one line on stderr.
 * bad-input.test.ts runs them; issue #10's closing note tabulates them before/after.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface BadInputCase {
  name: string;
  argv: string[];
  /** stdin text or bytes; default empty. */
  stdin?: string | Uint8Array;
  code: number;
  /** Matches stderr's one line (or, with `lastLine`, its last line: eval prints progress first). */
  message: RegExp;
  lastLine?: boolean;
  /** Runs as a real process (stdin from a file descriptor: a directory). */
  stdinPath?: string;
}

const record = (item: number, over: Record<string, unknown> = {}) => ({
  modelId: 'm', dataset: 'sst2', task: 'sentiment', mode: 'zero-shot', shots: 0, template: 0, scoring: 'paper',
  cellKey: 'model=m|data=sst2|task=sentiment|mode=zero-shot|shots=0|map=0|score=paper', item, promptHash: 'a'.repeat(64),
  prompt: 'p', bos: true, reference: 'positive', runId: 'r1',
  timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 3, newTokens: 0 },
  kind: 'classification', labels: ['positive', 'negative'], labelTokenIds: [1066, 22198], labelLogprobs: [-1, -2], labelProbs: [0.7, 0.3],
  predictionIndex: 0, prediction: 'positive', metric: 1, ...over,
});

/** Writes the fixture files under `dir`; `modelDir` is a good model folder to derive broken ones from. */
export function writeFixtures(dir: string, modelDir: string): void {
  const w = (name: string, bytes: string | Uint8Array): void => fs.writeFileSync(path.join(dir, name), bytes);
  const items = [0, 1, 2].map((i) => ({ input: `item ${i}`, output: i % 2 ? 'negative' : 'positive' }));
  w('good.json', JSON.stringify(items));
  w('bad-utf8.json', Buffer.concat([Buffer.from('[{"input":"caf'), Buffer.from([0xe9]), Buffer.from('","output":"positive"}]')]));
  w('bad-utf8.jsonl', Buffer.concat([Buffer.from('{"input":"ok","output":"positive"}\n{"output":"negative","input":"x'), Buffer.from([0xff]), Buffer.from('"}\n')]));
  w('wrong-type.json', JSON.stringify([{ input: 3, output: 'positive' }]));
  w('empty.json', '');
  w('huge.jsonl', JSON.stringify({ input: 'x'.repeat(2 * 1024 * 1024), output: 'positive' }) + '\n');
  w('records-bad.jsonl', [record(0), record(1, { metric: 'x' }), record(2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
  w('results-utf8.json', Buffer.concat([Buffer.from('[{"generation":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('","output":"b"}]')]));
  fs.mkdirSync(path.join(dir, 'a-folder'), { recursive: true });

  // Broken model folders: the good one's files linked, one thing changed.
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'mlc-chat-config.json'), 'utf8')) as Record<string, unknown>;
  const broken = (name: string, change: (cfg: Record<string, unknown>, folder: string) => void): void => {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder, { recursive: true });
    for (const f of fs.readdirSync(modelDir)) if (f !== 'mlc-chat-config.json') fs.symlinkSync(path.resolve(modelDir, f), path.join(folder, f));
    const cfg = structuredClone(config);
    change(cfg, folder);
    fs.writeFileSync(path.join(folder, 'mlc-chat-config.json'), JSON.stringify(cfg));
  };
  broken('model-eos-outside', (cfg) => (cfg.eos_token_id = 99999));
  broken('model-quant-name', (cfg) => (cfg.quantization = 'q0f16'));
  broken('model-nan', (_cfg, folder) => {
    // One NaN in the first float32 tensor of the shard.
    const shard = path.join(folder, 'params_shard_0.bin');
    const bytes = fs.readFileSync(shard);
    fs.rmSync(shard);
    bytes.writeFloatLE(Number.NaN, 4 * 100);
    fs.writeFileSync(shard, bytes);
  });
}

const long = Array.from({ length: 12000 }, (_, i) => `w${i % 50}`).join(' ');

export function badInputCases(D: string, M: string): BadInputCase[] {
  const f = (name: string): string => path.join(D, name);
  const prompt = ['prompt', '--data', f('good.json'), '--task', 'sentiment'];
  const gen = ['generate', '--model', M, '--prompt', 'hi'];
  const cls = ['classify', '--model', M, '--task', 'sentiment'];
  const ev = ['eval', '--model', M, '--data', f('good.json'), '--task', 'sentiment', '--mode', 'zero-shot', '--templates', '0', '--out', f('never.jsonl')];
  const usage = (name: string, argv: string[], message: RegExp): BadInputCase => ({ name, argv, code: 2, message });
  const input = (name: string, argv: string[], message: RegExp, stdin?: string | Uint8Array): BadInputCase => ({ name, argv, code: 1, message, ...(stdin !== undefined ? { stdin } : {}) });
  return [
    // Numbers: the `--x -1` form is a value (a range error), like `--x=-1`.
    usage('prompt --limit -1', [...prompt, '--limit', '-1'], /prompt: --limit must be ≥ 1, not -1/),
    usage('prompt --limit=-1', [...prompt, '--limit=-1'], /--limit must be ≥ 1, not -1/),
    usage('prompt --shots -2', [...prompt, '--shots', '-2'], /--shots must be between 0 and 64, not -2/),
    usage('prompt --offset -1', [...prompt, '--offset', '-1'], /--offset must be ≥ 0, not -1/),
    usage('prompt --template -1', [...prompt, '--template', '-1'], /--template must be between 0 and 99, not -1/),
    usage('prompt --limit 1.5', [...prompt, '--limit', '1.5'], /--limit must be a whole number, not "1\.5"/),
    usage('prompt --limit 0 (a silent no-op)', [...prompt, '--limit', '0'], /--limit must be ≥ 1, not 0/),
    usage('prompt --offset past the end', [...prompt, '--offset', '5'], /--offset 5 is past the end of good\.json \(3 items: 0\.\.2\)/),
    usage('prompt extra positional', [...prompt, 'junk.jsonl'], /unexpected argument "junk\.jsonl": prompt takes only --options/),
    usage('prompt --mode icl --shots 0', [...prompt, '--mode', 'icl', '--shots', '0', '--demos', f('good.json')], /--mode icl needs --shots K \(K ≥ 1\), not 0/),
    usage('prompt --demos without --shots (ignored before)', [...prompt, '--demos', f('good.json')], /--demos needs --shots K/),
    usage('prompt option given twice', [...prompt, '--limit', '1', '--limit', '2'], /--limit is given twice \("1", then "2"\)/),
    usage('prompt unknown option', [...prompt, '--limt', '2'], /unknown option --limt \(did you mean --limit\?\)/),
    usage('prompt option without its value', [...prompt, '--limit'], /--limit needs a value \(N\)/),
    usage('export-train --shots -1', ['export-train', '--data', f('good.json'), '--task', 'sentiment', '--shots', '-1', '--demos', f('good.json')], /--shots must be between 1 and 64, not -1/),
    usage('rouge --seed -1', ['rouge', '--aggregate', '--seed', '-1'], /--seed must be between 0 and 4294967295, not -1/),
    usage('rouge extra positional', ['rouge', 'file.jsonl'], /unexpected argument "file\.jsonl"/),
    usage('score --seed -1', ['score', '--seed', '-1', f('good.json')], /--seed must be between 0 and 4294967295, not -1/),
    usage('generate --max-tokens 0 (exit 0, empty before)', [...gen, '--max-tokens', '0'], /--max-tokens must be ≥ 1, not 0/),
    usage('generate --max-tokens -1', [...gen, '--max-tokens', '-1'], /--max-tokens must be ≥ 1, not -1/),
    usage('generate --stop ""', [...gen, '--stop', ''], /--stop must not be empty/),
    usage('generate --context-window -5', [...gen, '--context-window', '-5'], /--context-window must be ≥ 1, not -5/),
    usage('generate invalid UTF-8 in --prompt (U+FFFD from argv)', ['generate', '--model', M, '--prompt', 'caf\uFFFD'], /--prompt holds U\+FFFD at character 3: invalid UTF-8/),
    usage('generate extra positional', [...gen, 'more'], /unexpected argument "more"/),
    usage('logprobs --top -1', ['logprobs', '--model', M, '--prompt', 'hi', '--top', '-1'], /--top must be between 1 and 1000, not -1/),
    usage('classify --prompt with --shots', [...cls, '--prompt', 'hi', '--shots', '2'], /--shots goes with --data FILE, not --prompt/),
    usage('classify --data --offset past the end ("accuracy —% (0/0)" before)', [...cls, '--data', f('good.json'), '--offset', '9'], /--offset 9 is past the end of good\.json/),
    usage('classify --data --limit 0', [...cls, '--data', f('good.json'), '--limit', '0'], /--limit must be ≥ 1, not 0/),
    usage('eval extra positional', [...ev, 'junk.jsonl'], /unexpected argument "junk\.jsonl": eval takes only --options/),
    usage('eval --limit -1', [...ev, '--limit', '-1'], /--limit must be ≥ 1, not -1/),
    usage('eval --seed -1', [...ev, '--seed', '-1'], /--seed must be between 0 and 4294967295, not -1/),
    usage('eval --max-new-tokens 0', [...ev, '--max-new-tokens', '0'], /--max-new-tokens must be ≥ 1, not 0/),
    usage('eval --shots -1', ['eval', '--model', M, '--data', f('good.json'), '--task', 'sentiment', '--demos', f('good.json'), '--mode', 'icl', '--shots', '-1', '--out', f('never.jsonl')], /--shots must be between 0 and 64, not -1/),
    usage('eval --mode icl --shots 0 (ran zero-shot before)', ['eval', '--model', M, '--data', f('good.json'), '--task', 'sentiment', '--demos', f('good.json'), '--mode', 'icl', '--shots', '0', '--out', f('never.jsonl')], /--shots 0 only makes zero-shot cells/),
    // Bytes and sizes.
    input('prompt invalid UTF-8 in a JSON file', ['prompt', '--data', f('bad-utf8.json'), '--task', 'sentiment'], /bad-utf8\.json \(byte offset 14, line 1, column 15, item 0, field "input"\): invalid UTF-8: byte 0xe9 starts a character that byte 0x22 does not continue/),
    input('prompt invalid UTF-8 in a JSONL file', ['prompt', '--data', f('bad-utf8.jsonl'), '--task', 'sentiment'], /bad-utf8\.jsonl \(byte offset 66, line 2, column 32, item 1, field "input"\): invalid UTF-8: byte 0xff cannot start a character/),
    input('prompt an item over 1 MiB', ['prompt', '--data', f('huge.jsonl'), '--task', 'sentiment'], /huge\.jsonl \(byte offset 1048576, line 1, column 1048577, item 0, field "input"\): line 1 is longer than 1 MiB, the limit for one item/),
    input('prompt a wrong-typed field', ['prompt', '--data', f('wrong-type.json'), '--task', 'sentiment'], /wrong-type\.json: item 0: field "input" must be a string, got number 3/),
    input('prompt an empty file', ['prompt', '--data', f('empty.json'), '--task', 'sentiment'], /empty\.json: the file is empty/),
    input('prompt a directory as --data', ['prompt', '--data', f('a-folder'), '--task', 'sentiment'], /cannot read .*a-folder: it is a directory/),
    input('classify invalid UTF-8 in --data', [...cls, '--data', f('bad-utf8.json')], /bad-utf8\.json \(byte offset 14.*field "input"\): invalid UTF-8/),
    input('score invalid UTF-8 in a result file', ['score', '--task', 'summary', f('results-utf8.json')], /results-utf8\.json \(byte offset 17, line 1, column 18, item 0, field "generation"\): invalid UTF-8/),
    input('rouge invalid UTF-8 on stdin', ['rouge'], /stdin \(byte offset 34, line 1, column 35, item 0, field "reference"\): invalid UTF-8/, Buffer.concat([Buffer.from('{"prediction":"a","reference":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')])),
    input('rouge nothing on stdin (exit 0 before)', ['rouge'], /stdin: no input lines/, ''),
    input('rouge a 12,000-token pair (minutes before)', ['rouge'], /stdin line 1: ROUGE-L of a 12000-token reference and a 12000-token prediction needs 1\.4e\+8 LCS steps, over the limit of 1e\+8/, JSON.stringify({ prediction: long, reference: long }) + '\n'),
    { name: 'rouge a directory on stdin (exit 0 before)', argv: ['rouge'], code: 1, message: /cannot read stdin: it is a directory/, stdinPath: D },
    // Models.
    input('generate --context-window over the model\'s', [...gen, '--context-window', '99999'], /context window 99999 is larger than the model's own \(4096, context_window_size in mlc-chat-config\.json\)/),
    input('generate a config token id outside the vocabulary', ['generate', '--model', f('model-eos-outside'), '--prompt', 'hi'], /mlc-chat-config\.json: eos_token_id 99999 is outside the vocabulary \(vocab_size 32000: ids 0\.\.31999\)/),
    input('generate a quantization name that the tensors contradict', ['generate', '--model', f('model-quant-name'), '--prompt', 'hi'], /tensor-cache\.json, tensor model\.embed_tokens\.weight: dtype float32 but mlc-chat-config\.json says quantization "q0f16" \(float16 tensors\)/),
    input('classify NaN weights', [...cls.slice(0, 2), f('model-nan'), '--task', 'sentiment', '--prompt', 'hi'], /tensor-cache\.json, tensor model\.embed_tokens\.weight: non-finite weight NaN at element 100/),
    // The commands added since (they use defineCommand, so the shared checks hold for them too).
    usage('report --min-samples -1', ['report', '--records', f('records-bad.jsonl'), '--min-samples', '-1'], /report: --min-samples must be ≥ 1, not -1/),
    usage('report extra positional', ['report', '--records', f('records-bad.jsonl'), 'extra'], /unexpected argument "extra": report takes only --options/),
    // A bad line is an error naming the file, line and field; --skip-bad-lines reports the rest, warning per line.
    input('report a records file with a wrong-typed middle record', ['report', '--records', f('records-bad.jsonl')], /report: .*records-bad\.jsonl line 2: a classification record whose field "metric" must be a finite number, not "x"/),
    { name: 'report --skip-bad-lines a wrong-typed middle record (skipped, warned)', argv: ['report', '--records', f('records-bad.jsonl'), '--skip-bad-lines'], code: 0, message: /^report: warning: .*records-bad\.jsonl line 2: a classification record whose field "metric" must be a finite number, not "x" \(line skipped\)$/, lastLine: true },
    input('convert a missing checkpoint folder', ['convert', '--hf', f('no-such-hf'), '--out', f('converted')], /no-such-hf\/config\.json could not be read: no such file/),
    usage('convert extra positional', ['convert', '--hf', f('no-such-hf'), '--out', f('converted'), 'junk'], /unexpected argument "junk"/),
    input('delta a folder that is no model', ['delta', '--base', f('a-folder'), '--model', f('a-folder')], /a-folder could not be read: neither an MLC folder/),
    usage('delta extra positional', ['delta', '--base', f('a-folder'), '--model', f('a-folder'), 'junk'], /unexpected argument "junk"/),
    // Records and failed samples.
    input('eval a records file with a wrong-typed middle record', [...ev.slice(0, -2), '--out', f('records-bad.jsonl')], /records-bad\.jsonl line 2: a classification record whose field "metric" must be a finite number, not "x"/),
    { name: 'eval failed samples (exit 0, "1 error" before)', argv: [...ev.slice(0, -2), '--context-window', '8', '--out', f('errors.jsonl')], code: 1, message: /^eval: 3 samples failed: context-window-exceeded ×3; the error records are in .*errors\.jsonl \(--retry-errors runs them again\); exit 1 \(--tolerate-errors accepts them\)$/, lastLine: true },
  ];
}
