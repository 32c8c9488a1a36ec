// `anticge` (spec 12.3), step 3, one invocation per coordinate: the f_real rows −ν·s/‖s‖ (s unchanged when
// ‖s‖ is 0 or NaN), where ν = nextafter(norm of the honest row of rank p, toward 0). The reference takes
// nextafter in f64 before a float32 product; here it is the f32 neighbour (~6e-8 relative difference).
#include "common.wgsl"
struct P { rows: u32, d: u32, off: u32, p: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> s: array<f32>;
@group(0) @binding(4) var<storage, read> s_norm: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

// Next f32 below the norm x >= 0 taken as +inf when non-finite (0 stays 0, +inf gives the largest float).
fn toward_zero(x: f32) -> f32 {
  let bits = select(0x7f800000u, bitcast<u32>(x), is_finite(x));
  return bitcast<f32>(select(bits - 1u, bits, bits == 0u));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.d) { return; }
  let a = s_norm[0];
  let scale = select(1.0, -toward_zero(norms[order[p.p]]) / a, !is_nan(a) && a > 0.0);
  let v = s[j] * scale;
  for (var r = 0u; r < p.rows; r++) { out[p.off + r * p.d + j] = v; }
}
