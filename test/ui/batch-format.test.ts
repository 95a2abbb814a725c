import { describe, expect, it } from 'vitest';
import { count, estimateText, metricText, rateLine, shortDate } from '../../src/ui/views/batch/format.ts';

describe('Batch view formatting', () => {
  it('writes metrics, rates, counts, dates and estimates', () => {
    expect(metricText({ scoring: 'paper' }, 0.6, 5)).toBe('acc 60.0 %');
    expect(metricText({ scoring: 'generate' }, 0.12345, 5)).toBe('ROUGE-L 12.3');
    expect(metricText({ scoring: 'generate' }, 0, 0)).toBe('—');
    expect(rateLine(undefined, 3)).toBe('');
    expect(rateLine(4.56, 75)).toBe('4.6 samples/s · 1:15 left');
    expect(count(1234567)).toBe('1,234,567');
    expect(shortDate('2026-12-02T12:45:13.993Z')).toBe('2026-12-02 12:45');
    expect(estimateText(125)).toBe('about 2:05');
    expect(estimateText(undefined)).toMatch(/no estimate/);
  });
});
