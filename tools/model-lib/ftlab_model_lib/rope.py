"""RoPE's cos/sin without the shader's own pow, sin and cos.

TVM's default (`position_embedding.rope_freq_default`) computes `cos(pos / theta^(2i/d))` with
the target's `pow`, `cos` and `sin`. WebGPU only requires those to be accurate to about 2^-11
(absolute, for sin/cos in [-pi, pi]; pow inherits exp2/log2's error), and a software adapter
(SwiftShader) takes that freedom: the rotated q/k moved the tiny model's log-probs by 3.5e-4 to
6.7e-4 against the cpu engine (float64), growing with the position. Here:
  - the inverse frequencies are float32 constants computed in float64 at build time (a balanced
    select over the d/2 dimension pairs),
  - the angle pos * inv_freq is one float32 multiply,
  - sin and cos are a Cody-Waite reduction by pi/2 (three-part float32 constant, exact for
    quadrant counts below 2^12) and Taylor polynomials on [-pi/4, pi/4] (truncation < 2e-9),
    so only float32 add/mul/floor are used: accurate to a few float32 ulps on any adapter.
`install()` makes TVM's Llama RoPE (the paged KV cache's fused rope kernel) use it.
"""

from __future__ import annotations

from tvm import tirx

# pi/2 = P1 + P2 + P3, each with few enough significant bits that k * P1 and k * P2 are exact
# in float32 for k < 2^12 (Cephes' sinf constants, doubled).
_P1 = 1.5703125
_P2 = 4.837512969970703125e-4
_P3 = 7.54978995489188216e-8
_TWO_OVER_PI = 0.63661977236758134308


_TVM_DEFAULT: list = []


def _f(v: float) -> tirx.PrimExpr:
    return tirx.const(v, "float32")


def _select_const(index: tirx.PrimExpr, values: list[float], lo: int, hi: int) -> tirx.PrimExpr:
    """values[index] for lo <= index < hi, as a balanced tree of selects (depth log2(hi - lo))."""
    if hi - lo == 1:
        return _f(values[lo])
    mid = (lo + hi) // 2
    return tirx.Select(index < mid, _select_const(index, values, lo, mid), _select_const(index, values, mid, hi))


def precise_rope_freq(s: tirx.PrimExpr, d: tirx.Var, d_range: int, theta: float, dtype: str):
    """Same contract as tvm's rope_freq_default: (cos, sin, {let var: value}, innermost first).

    The attention kernels also reference RoPE (for RopeMode.INLINE, which ftlab does not use),
    with theta as a runtime variable: those keep TVM's own function."""
    if not isinstance(theta, (int, float)):
        return _TVM_DEFAULT[0](s, d, d_range, theta, dtype)
    pairs = d_range // 2
    inv = [float(theta) ** (-(2.0 * j) / d_range) for j in range(pairs)]
    j = (d * 2 % d_range) // 2
    x = tirx.Var("freq", "float32")
    k = tirx.Var("rope_quadrant_count", "float32")
    r = tirx.Var("rope_reduced", "float32")
    q = tirx.Var("rope_quadrant", "int32")
    r2 = r * r
    sin_r = r * (_f(1.0) + r2 * (_f(-1.0 / 6) + r2 * (_f(1.0 / 120) + r2 * (_f(-1.0 / 5040) + r2 * _f(1.0 / 362880)))))
    cos_r = _f(1.0) + r2 * (_f(-0.5) + r2 * (_f(1.0 / 24) + r2 * (_f(-1.0 / 720) + r2 * (_f(1.0 / 40320) + r2 * _f(-1.0 / 3628800)))))
    sin_x = tirx.Select(q == 0, sin_r, tirx.Select(q == 1, cos_r, tirx.Select(q == 2, -sin_r, -cos_r)))
    cos_x = tirx.Select(q == 0, cos_r, tirx.Select(q == 1, -sin_r, tirx.Select(q == 2, -cos_r, sin_r)))
    var_map = {
        # tvm wraps the expression in these lets in order: the last one is the outermost.
        q: tirx.Cast("int32", k - _f(4.0) * tirx.floor(k * _f(0.25))),
        r: ((x - k * _f(_P1)) - k * _f(_P2)) - k * _f(_P3),
        k: tirx.floor(x * _f(_TWO_OVER_PI) + _f(0.5)),
        x: tirx.Cast("float32", s) * _select_const(j, inv, 0, pairs),
    }
    return cos_x.astype(dtype), sin_x.astype(dtype), var_map


def install() -> None:
    """Routes TVM's default (unscaled) RoPE frequency function to `precise_rope_freq`."""
    from tvm.relax.frontend.nn.llm import position_embedding

    if position_embedding.rope_freq_default is not precise_rope_freq:
        _TVM_DEFAULT[:] = [position_embedding.rope_freq_default]
        position_embedding.rope_freq_default = precise_rope_freq
