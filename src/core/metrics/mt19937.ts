/**
 * numpy's legacy random stream, as `np.random.seed(seed)` + `np.random.choice(np.arange(n),
 * size=k)` draw it — what rouge-score's BootstrapAggregator resamples with. Reproducing it
 * bit for bit is what makes the bootstrap low/mid/high identical to Python's for a given seed.
 *
 * - Seeding: numpy's `_legacy_seeding` with an integer calls `mt19937_seed`, which is
 *   Matsumoto & Nishimura's `init_genrand` (not `init_by_array`).
 * - `choice(a, size)` with replacement and no weights is `randint(0, len(a), size)`, and the
 *   legacy RandomState's randint uses MASKED rejection sampling (not Lemire's method): for a
 *   range of n values, mask = the smallest 2^k − 1 ≥ n − 1; draw 32-bit outputs, AND them with
 *   the mask, and reject while the result exceeds n − 1. n = 1 consumes no draw at all.
 *   (numpy/random/mtrand.pyx `choice`/`randint`, _bounded_integers.pyx.in, distributions.c
 *   `buffered_bounded_masked_uint32`.)
 */
import { MetricInputError } from './errors.ts';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MT19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /** `np.random.seed(seed)`: seed must be an integer in [0, 2^32 − 1], as numpy requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new MetricInputError(
        `Random seed ${seed} is not an integer in [0, 2^32 - 1].`,
        'Use the same integer seed you would pass to np.random.seed (e.g. 0 or 42).',
      );
    }
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const previous = mt[i - 1];
      mt[i] = (Math.imul(1812433253, previous ^ (previous >>> 30)) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.state;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }

  /** `genrand_int32`: the next tempered 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * Legacy `randint(0, n, size=out.length)` (equivalently `choice(np.arange(n), size)`): fills
   * `out` with uniform integers in [0, n), consuming exactly the draws numpy consumes.
   */
  fillRandint(n: number, out: Int32Array): Int32Array {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new MetricInputError(`Cannot draw integers in [0, ${n}).`, 'The range must hold 1 to 2^32 integers.');
    }
    const max = n - 1;
    if (max === 0) return out.fill(0);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (let i = 0; i < out.length; i++) {
      let value: number;
      do value = (this.nextUint32() & mask) >>> 0;
      while (value > max);
      out[i] = value;
    }
    return out;
  }
}
