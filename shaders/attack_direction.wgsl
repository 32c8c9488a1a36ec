// Attack direction of the identical family (spec 7.2) from the honest column statistics (ops/optim.ts
// `colstats`: mean `avg` and Σ squared deviations `sq` of the h honest rows), one invocation per coordinate.
// MODE 0 `little`: sample standard deviation sqrt(sq / (h − 1)) (NaN for h = 1, as torch's unbiased var);
// MODE 1 `empire` (and `empire-strict`): −avg; MODE 2 `bulyan`: unit vector on coordinate `coord`;
// MODE 3 `bulyan target_idx:all`: all ones.
#include "common.wgsl"
struct P { d: u32, h: u32, coord: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> avg: array<f32>;
@group(0) @binding(2) var<storage, read> sq: array<f32>;
@group(0) @binding(3) var<storage, read_write> dir: array<f32>;
override MODE: u32 = 0u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.d) { return; }
  var v = 1.0;
  if (MODE == 0u) {
    v = select(sqrt(sq[j] / f32(p.h - 1u)), nan_f32(), p.h < 2u);
  } else if (MODE == 1u) {
    v = -avg[j];
  } else if (MODE == 2u) {
    v = select(0.0, 1.0, j == p.coord);
  }
  dir[j] = v;
}
