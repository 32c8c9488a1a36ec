// Past of the study's curvature (spec 4, column 22), kept in O(d) per step instead of O(P·d):
// W_t = Σ_{k=1..c} μ^k ḡ_{t−k} over the c ≤ P past sampled averages, so that s_t = ⟨ḡ_t, W_t⟩. Pushing ḡ_t
// gives W_{t+1} = μ·(ḡ_t + W_t) − [c = P]·μ^(P+1)·ḡ_{t−P}, the dropped average being the one in ring slot
// ringPos (about to be overwritten). past[0..d) = W, past[d..2d) = ḡ_{t−1} for the previous-step cosine.
#include "common.wgsl"
struct P { d: u32, past: u32, mu: f32, muDropped: f32 }
struct Step { lr: f32, first: u32, ringPos: u32, ringCount: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> ring: array<f32>;
@group(0) @binding(4) var<storage, read_write> past: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.d) { return; }
  let avg = V[j];
  var w = p.mu * (avg + past[j]);
  if (step.ringCount == p.past) { w = w - p.muDropped * ring[step.ringPos * p.d + j]; }
  past[j] = w;
  past[p.d + j] = avg;
}
