/**
 * How a run is written for people, shared by the CLI's progress lines and the Batch view:
 * cells in a few words, sample rates and remaining time.
 */
import type { CellSpec } from './records.ts';

/** "icl 2-shot" / "zero-shot". */
export function modeLabel(spec: Pick<CellSpec, 'mode' | 'shots'>): string {
  return spec.mode === 'zero-shot' ? 'zero-shot' : `${spec.mode} ${spec.shots}-shot`;
}

/**
 * A cell in a few words: "sst2 icl 2-shot map 0", plus whatever is not the default (scoring,
 * paper-code ids, a generation budget other than 60); with `model`, the model id first.
 */
export function cellLabel(spec: CellSpec, opts: { model?: boolean } = {}): string {
  const parts = [...(opts.model ? [spec.modelId] : []), spec.dataset, modeLabel(spec), `map ${spec.template}`];
  if (spec.scoring !== 'generate' && spec.scoring !== 'paper') parts.push(spec.scoring);
  if (spec.tokenization === 'paper-code') parts.push('paper-code ids');
  if (spec.maxNewTokens !== undefined) parts.push(`max ${spec.maxNewTokens} tokens`);
  return parts.join(' ');
}

/** Samples per second for people: 12.3 → "12", 4.56 → "4.6", 0.123 → "0.12"; "–" when unknown. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '–';
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

/** 75 s → "1:15", 3725 s → "1:02:05"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
