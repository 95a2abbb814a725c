/*
 * ftlab's own replacement for TVM's 3rdparty/compiler-rt/builtin_fp16.h (absent from the
 * apache-tvm wheel): IEEE-754 binary conversions between float formats given as
 * (value type, bit-pattern type, significand bits), as the runtime calls them:
 *   __truncXfYf2__<float, uint32_t, 23, uint16_t, uint16_t, 10>(f)   float -> half bits
 *   __extendXfYf2__<uint16_t, uint16_t, 10, float, uint32_t, 23>(h)  half bits -> float
 * Narrowing rounds to nearest, ties to even; overflow gives infinity; NaN stays a (quiet) NaN.
 */
#ifndef FTLAB_BUILTIN_FP16_H_
#define FTLAB_BUILTIN_FP16_H_

#include <cstdint>
#include <cstring>

namespace ftlab_fp {

template <typename Rep, int SigBits>
struct Format {
  static constexpr int kBits = static_cast<int>(sizeof(Rep) * 8);
  static constexpr int kExpBits = kBits - SigBits - 1;
  static constexpr int kExpMax = (1 << kExpBits) - 1;
  static constexpr int kBias = (1 << (kExpBits - 1)) - 1;
  static constexpr uint64_t kSigMask = (uint64_t(1) << SigBits) - 1;
};

template <typename To, typename From>
inline To BitCast(const From& v) {
  static_assert(sizeof(To) == sizeof(From), "size mismatch");
  To out;
  std::memcpy(&out, &v, sizeof(To));
  return out;
}

}  // namespace ftlab_fp

template <typename SRC_T, typename SRC_REP_T, int SRC_SIG_BITS, typename DST_T, typename DST_REP_T, int DST_SIG_BITS>
inline DST_T __truncXfYf2__(SRC_T a) {
  using S = ftlab_fp::Format<SRC_REP_T, SRC_SIG_BITS>;
  using D = ftlab_fp::Format<DST_REP_T, DST_SIG_BITS>;
  const uint64_t rep = ftlab_fp::BitCast<SRC_REP_T>(a);
  const uint64_t sign = rep >> (S::kBits - 1);
  const int exp = static_cast<int>((rep >> SRC_SIG_BITS) & S::kExpMax);
  const uint64_t frac = rep & S::kSigMask;
  uint64_t out;
  if (exp == S::kExpMax) {
    // Infinity, or NaN (kept quiet, with the top payload bits).
    out = (uint64_t(D::kExpMax) << DST_SIG_BITS);
    if (frac != 0) out |= (uint64_t(1) << (DST_SIG_BITS - 1)) | ((frac >> (SRC_SIG_BITS - DST_SIG_BITS)) & D::kSigMask);
  } else if (exp == 0) {
    out = 0;  // a subnormal of the wider format is far below the narrower one's range
  } else {
    int e = exp - S::kBias + D::kBias;
    if (e >= D::kExpMax) {
      out = uint64_t(D::kExpMax) << DST_SIG_BITS;
    } else {
      const uint64_t sig = frac | (uint64_t(1) << SRC_SIG_BITS);
      int shift = SRC_SIG_BITS - DST_SIG_BITS;
      if (e <= 0) {
        shift += 1 - e;  // a subnormal result
        e = 0;
      }
      if (shift > SRC_SIG_BITS + 1) {
        out = 0;
      } else {
        uint64_t q = sig >> shift;
        const uint64_t rem = sig & ((uint64_t(1) << shift) - 1);
        const uint64_t half = uint64_t(1) << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) ++q;
        // q carries the implicit bit for normals; a carry out of the significand bumps the exponent.
        out = e == 0 ? q : (uint64_t(e) << DST_SIG_BITS) + q - (uint64_t(1) << DST_SIG_BITS);
      }
    }
  }
  out |= sign << (D::kBits - 1);
  return static_cast<DST_T>(ftlab_fp::BitCast<DST_T>(static_cast<DST_REP_T>(out)));
}

template <typename SRC_T, typename SRC_REP_T, int SRC_SIG_BITS, typename DST_T, typename DST_REP_T, int DST_SIG_BITS>
inline DST_T __extendXfYf2__(SRC_T a) {
  using S = ftlab_fp::Format<SRC_REP_T, SRC_SIG_BITS>;
  using D = ftlab_fp::Format<DST_REP_T, DST_SIG_BITS>;
  const uint64_t rep = ftlab_fp::BitCast<SRC_REP_T>(a);
  const uint64_t sign = rep >> (S::kBits - 1);
  int exp = static_cast<int>((rep >> SRC_SIG_BITS) & S::kExpMax);
  uint64_t frac = rep & S::kSigMask;
  uint64_t out;
  if (exp == S::kExpMax) {
    out = (uint64_t(D::kExpMax) << DST_SIG_BITS) | (frac << (DST_SIG_BITS - SRC_SIG_BITS));
  } else if (exp == 0 && frac == 0) {
    out = 0;
  } else {
    if (exp == 0) {
      // Subnormal source: normalize (every one is a normal number of the wider format).
      exp = 1;
      while ((frac & (uint64_t(1) << SRC_SIG_BITS)) == 0) {
        frac <<= 1;
        --exp;
      }
      frac &= S::kSigMask;
    }
    const uint64_t e = static_cast<uint64_t>(exp - S::kBias + D::kBias);
    out = (e << DST_SIG_BITS) | (frac << (DST_SIG_BITS - SRC_SIG_BITS));
  }
  out |= sign << (D::kBits - 1);
  return ftlab_fp::BitCast<DST_T>(static_cast<DST_REP_T>(out));
}

#endif  // FTLAB_BUILTIN_FP16_H_
