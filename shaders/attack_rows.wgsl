// Writes the f_real identical Byzantine rows (spec 7.2, 7.3): out[off + r·d + j] = base_j + x·dir_j for
// r < rows, j < d, with x = scale·factor[slot] (a fixed factor, a line-search proposal or its best point)
// and base = avg (BASE 1) or 0 (BASE 0, `empire-strict`). One invocation per coordinate.
#include "common.wgsl"
struct P { rows: u32, d: u32, off: u32, slot: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> avg: array<f32>;
@group(0) @binding(2) var<storage, read> dir: array<f32>;
@group(0) @binding(3) var<storage, read> factor: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
override BASE: u32 = 1u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.d) { return; }
  let step = (p.scale * factor[p.slot]) * dir[j];
  let v = select(step, avg[j] + step, BASE == 1u);
  for (var r = 0u; r < p.rows; r++) { out[p.off + r * p.d + j] = v; }
}
