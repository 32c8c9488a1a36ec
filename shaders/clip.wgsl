// Gradient clipping of each row (spec 3.3): a row r whose norm norms[normsOff + r] exceeds c is scaled by c/‖g‖, or, with the
// reference-v1 behaviour (UNIT = 1), by 1/‖g‖ (rescaled to unit norm).
#include "common.wgsl"
struct P { rows: u32, d: u32, stride: u32, c: f32, normsOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read_write> G: array<f32>;
override UNIT: u32 = 0u;
// The row length is a pipeline constant: dividing by it compiles to a multiplication.
override D: u32;
override WG: u32 = 64u;

// One invocation per coordinate j, looping over the rows: no per-element index arithmetic.
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= D) { return; }
  for (var r = 0u; r < p.rows; r++) {
    let norm = norms[p.normsOff + r];
    if (norm > p.c) {
      let at = r * p.stride + j;
      G[at] = G[at] * select(p.c / norm, 1.0 / norm, UNIT == 1u);
    }
  }
}
