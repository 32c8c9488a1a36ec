// Distances, pass 2: out[outOff + i·nb + j] = post(Σ_c partial[(c·na + i)·nb + j]), summed in chunk order
// (deterministic). SYM: only blocks with i-block ≤ j-block were written, so (i, j) reads (min, max).
// POST 1 takes the square root (Euclidean distances, spec 6.3).
#include "common.wgsl"
struct P { na: u32, nb: u32, chunks: u32, outOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override SYM: u32 = 0u;
override POST: u32 = 0u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.na * p.nb) { return; }
  var i = e / p.nb;
  var j = e % p.nb;
  if (SYM == 1u && i > j) {
    let t = i;
    i = j;
    j = t;
  }
  var acc = 0.0;
  for (var c = 0u; c < p.chunks; c++) { acc += partial[(c * p.na + i) * p.nb + j]; }
  if (POST == 1u) { acc = sqrt(acc); }
  out[p.outOff + e] = acc;
}
