/**
 * `ftlab report`: the study's figures from a records file (`ftlab eval --out`, or an export from
 * the page), printed as a table, CSV or JSON: the same matrices the Results view draws
 * (src/core/report). Read-only: the file is not locked or changed, so it can be reported on while
 * a run is still writing it.
 *
 * The training set whose figure is printed is --training-set, or every one the records fill
 * (a model named like "ft-paws2000", or a test set of a setting's in-domain / out-of-domain sets).
 */
import { buildFigure, cellsFromRecords, FIGURE_KINDS, formatDelta, formatInterval, formatMetric, metricName, parseImport, STATE_WORDS, trainingSetsOf, type StudyFigure } from '../../core/report/index.ts';
import { DEFAULT_STUDY_SETTINGS } from '../../core/datasets/protocol.ts';
import { defineCommand, opt } from '../define.ts';
import { CliOptionError } from '../support/errors.ts';
import { FtlabError } from '../../core/errors.ts';
import { readTextFile } from '../support/input.ts';

const FORMATS = ['table', 'csv', 'json'] as const;
const TRAINING_SETS = Object.keys(DEFAULT_STUDY_SETTINGS);

const fail = (msg: string, hint?: string): CliOptionError => new CliOptionError('report', msg, hint);

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

/** The figure as text: per panel, a header and one row per model. */
export function figureTable(f: StudyFigure): string {
  const out: string[] = [];
  for (const panel of f.panels) {
    const metric = panel.cells.flat().find((c) => c.state !== 'absent')?.metric ?? 'accuracy';
    out.push(`${f.trainingSet} · ${f.kinds.join(' + ')} · ${panel.title} · ${metricName(metric)}${f.baseModel ? ` · Δ vs ${f.baseModel}` : ''}`);
    const header = ['model', 'group', ...f.columns.map((c) => `${c.dataset} (${c.kind})`)];
    const rows = f.rows.map((r, i) => [
      r.modelId,
      r.group + r.paper.map((p) => ` [paper ${p.quantity} ${p.value.toExponential(2)}]`).join(''),
      ...panel.cells[i].map((c) => {
        if (c.value === undefined) return STATE_WORDS[c.state];
        const parts = [formatMetric(c.value), formatInterval(c), formatDelta(c.delta), `n=${c.n}`];
        if (c.state !== 'ok') parts.push(`(${STATE_WORDS[c.state]})`);
        if (c.paper) parts.push(`paper ${formatMetric(c.paper.value)}`);
        return parts.filter(Boolean).join(' ');
      }),
    ]);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    out.push(header.map((h, j) => pad(h, widths[j])).join('  ').trimEnd());
    for (const r of rows) out.push(r.map((c, j) => pad(c, widths[j])).join('  ').trimEnd());
    out.push('');
  }
  return out.join('\n');
}

const CSV_HEADER = ['trainingSet', 'kind', 'panel', 'modelId', 'group', 'dataset', 'task', 'metric', 'value', 'low', 'high', 'n', 'expected', 'errors', 'delta', 'state', 'paper', 'cell'];

function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row per figure cell (absent cells left out). */
export function figureCsvRows(f: StudyFigure): string[] {
  const rows: string[] = [];
  for (const panel of f.panels) {
    panel.cells.forEach((row, i) =>
      row.forEach((c, j) => {
        if (c.state === 'absent') return;
        const col = f.columns[j];
        rows.push([f.trainingSet, col.kind, panel.id, f.rows[i].modelId, f.rows[i].group, col.dataset, col.task, c.metric, c.value, c.low, c.high, c.n, c.expected, c.errors, c.delta, c.state, c.paper?.value, c.cellKey].map(csvField).join(','));
      }),
    );
  }
  return rows;
}

const REPORT_OPTIONS = {
  records: opt.string('records file: JSON lines from `ftlab eval --out`, or a JSONL/JSON export from the page', {
    value: 'FILE.jsonl',
    required: 'the JSON lines `ftlab eval --out` wrote, or an export',
  }),
  figure: opt.choice(`the column group: ${FIGURE_KINDS.join(' | ')} (default: all three)`, FIGURE_KINDS),
  'training-set': opt.choice('the figure\'s training set (default: every one the records fill)', TRAINING_SETS),
  format: opt.choice('table (default) | csv | json', FORMATS, { default: 'table' }),
  'min-samples': opt.int('cells with fewer scored samples are flagged "too few" (default 10)', { min: 1, default: 10 }),
  base: opt.string('the model differences are taken from (default: the first base model)', { value: 'MODEL' }),
  'skip-bad-lines': opt.flag('report the valid lines of a file with bad ones, warning per skipped line (default: a bad line is an error, exit 1)'),
};

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'the study\'s figures (matrices with 95% intervals and differences from base) from a records file, as a table, CSV or JSON',
  options: REPORT_OPTIONS,
  async run(values, _positionals, io) {
    const file = values.records;
    const kind = values.figure;
    const { format, base } = values;
    const minSamples = values['min-samples'];
    const trainingSet = values['training-set'];

    const parsed = parseImport(await readTextFile(file), file);
    // A bad line fails the command (a script must not get a figure silently missing samples),
    // unless --skip-bad-lines asks for the rest, with a warning naming each skipped line.
    if (parsed.problems.length > 0 && !values['skip-bad-lines']) {
      const [first] = parsed.problems;
      const more = parsed.problems.length - 1;
      throw new FtlabError('records-invalid', `report: ${file} line ${first.line}: ${first.message}${more > 0 ? ` (and ${more} more bad line${more === 1 ? '' : 's'})` : ''}`, '--skip-bad-lines reports the other lines, with a warning per skipped line');
    }
    for (const p of parsed.problems) io.err(`report: warning: ${file} line ${p.line}: ${p.message} (line skipped)\n`);
    if (parsed.records.length === 0) throw fail(`${file} holds no sample records`, 'run `ftlab eval --out FILE` first');
    const cells = cellsFromRecords(parsed.records, parsed.plans);
    const sets = trainingSet ? [trainingSet] : trainingSetsOf(cells);
    if (sets.length === 0) throw fail(`the records' test sets (${[...new Set(cells.map((c) => c.spec.dataset))].join(', ')}) are in no training set's figure`, 'give --training-set');
    const figures = sets.map((s) => buildFigure({ trainingSet: s, ...(kind ? { kinds: [kind] } : {}), minSamples, ...(base ? { baseModel: base } : {}) }, cells)).filter((f) => f.rows.length > 0);
    if (figures.length === 0) throw fail(`no cell of ${file} falls in the ${kind ? `${kind} ` : ''}figure of ${sets.join(', ')}`, 'try another --figure or --training-set');

    if (format === 'json') io.out(JSON.stringify(figures.length === 1 ? figures[0] : figures) + '\n');
    else if (format === 'csv') io.out([CSV_HEADER.join(','), ...figures.flatMap(figureCsvRows)].join('\n') + '\n');
    else io.out(figures.map(figureTable).join('\n'));
    return 0;
  },
});
