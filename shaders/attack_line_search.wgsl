// Controller of the attacks' factor line search (spec 11 `line_maximize`, mirrored from the `LineSearch`
// class of attacks/line_search.ts), one invocation. The search state lives in `s`:
//   s[0] x: point to evaluate next   s[1] y: f(x), written by the objective reduction
//   s[2] best x   s[3] best y   s[4] delta   s[5] phase (0 first evaluation, 1 expansion, 2 contraction)
// Entry `init` starts a search; entry `main` consumes y and proposes the next x. Values are f32 (the
// reference searches in f64: the points agree to ~1e-7 relative).
#include "common.wgsl"
struct P { start: f32, delta: f32, ratio: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> s: array<f32>;

@compute @workgroup_size(1)
fn init() {
  s[0] = p.start;
  s[1] = 0.0;
  s[2] = p.start;
  s[3] = nan_f32();
  s[4] = p.delta;
  s[5] = 0.0;
}

// Python's `prop_y > best_y`: false as soon as one side is NaN (tested on bits, see common.wgsl).
fn better(y: f32, best: f32) -> bool {
  return !is_nan(y) && !is_nan(best) && y > best;
}

// Next contraction proposal from the last proposal `x`.
fn contracted(x: f32, best_x: f32, delta: f32) -> f32 {
  if (x < best_x) { return x + delta; }
  var y = x - delta;
  // Halve back into x >= 0; bounded (llvmpipe's loop limiter), 300 halvings exhaust any f32 gap.
  for (var k = 0u; k < 300u && y < 0.0; k++) { y = (y + x) / 2.0; }
  return y;
}

@compute @workgroup_size(1)
fn main() {
  let x = s[0];
  let y = s[1];
  let phase = u32(s[5]);
  if (phase == 0u) {
    s[3] = y;
    s[5] = 1.0;
    s[0] = s[2] + s[4];
    return;
  }
  let up = better(y, s[3]);
  if (phase == 1u) {
    if (up) {
      s[2] = x;
      s[3] = y;
      s[4] = s[4] * 2.0;
      s[0] = x + s[4];
      return;
    }
    s[5] = 2.0;
  } else if (up) {
    s[2] = x;
    s[3] = y;
  }
  s[4] = s[4] * p.ratio;
  s[0] = contracted(x, s[2], s[4]);
}
