/**
 * Classification accuracy (the paper's metric for sentiment, paraphrase detection and NLI: the
 * share of items whose argmax label is the gold label), with a Wilson score interval.
 *
 * Why Wilson: on 250 items with accuracies near 0 or 1 the normal ("Wald") interval leaves
 * [0, 1] and collapses at 0 % / 100 %; Wilson's stays inside and keeps a sensible width. The
 * interval is two-sided at the given confidence (95 % by default), without continuity
 * correction: center = (p + z²/2n)/(1 + z²/n), half-width = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²),
 * with z the standard normal quantile at (1 + confidence)/2 (≈ 1.959964 for 95 %).
 */
import { MetricInputError } from './errors.ts';

export interface AccuracyResult {
  readonly correct: number;
  readonly total: number;
  /** correct / total. */
  readonly accuracy: number;
  /** Wilson score interval bounds, within [0, 1]. */
  readonly low: number;
  readonly high: number;
  /** The two-sided confidence level of [low, high]. */
  readonly confidence: number;
}

/**
 * The standard normal quantile function (inverse CDF), Wichura's algorithm AS 241 (PPND16),
 * accurate to about 1e-16 for p in (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new MetricInputError(`Probability ${p} is outside [0, 1].`, 'Pass a probability between 0 and 1.');
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((0.00077454501427834140764 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 0.0005475938084995344946) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        0.0007868691311456132591) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** The Wilson score interval for `correct` successes out of `total` trials. */
export function wilsonInterval(correct: number, total: number, confidence = 0.95): { low: number; high: number } {
  if (!Number.isInteger(total) || total <= 0 || !Number.isInteger(correct) || correct < 0 || correct > total) {
    throw new MetricInputError(
      `Cannot form an interval for ${correct} correct out of ${total}.`,
      'Pass whole counts with 0 <= correct <= total and total > 0.',
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new MetricInputError(`Confidence ${confidence} is not in (0, 1).`, 'Use e.g. 0.95 for a 95% interval.');
  }
  const z = normalQuantile((1 + confidence) / 2);
  const p = correct / total;
  const z2n = (z * z) / total;
  const denominator = 1 + z2n;
  const center = (p + z2n / 2) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / total + z2n / (4 * total));
  // At p = 0 (or 1) the exact lower (upper) bound is 0 (1); the formula is off by rounding there.
  return {
    low: correct === 0 ? 0 : Math.max(0, center - halfWidth),
    high: correct === total ? 1 : Math.min(1, center + halfWidth),
  };
}

/** Accuracy of `correct` out of `total`, with its Wilson interval. */
export function accuracyFromCounts(correct: number, total: number, confidence = 0.95): AccuracyResult {
  const { low, high } = wilsonInterval(correct, total, confidence);
  return { correct, total, accuracy: correct / total, low, high, confidence };
}

/** Accuracy of predicted labels against gold labels (compared with ===, item by item). */
export function accuracy<T>(predictions: readonly T[], labels: readonly T[], confidence = 0.95): AccuracyResult {
  if (predictions.length !== labels.length) {
    throw new MetricInputError(
      `${predictions.length} predictions but ${labels.length} gold labels.`,
      'Pass one prediction per gold label, in the same order.',
    );
  }
  let correct = 0;
  for (let k = 0; k < labels.length; k++) if (predictions[k] === labels[k]) correct += 1;
  return accuracyFromCounts(correct, labels.length, confidence);
}
