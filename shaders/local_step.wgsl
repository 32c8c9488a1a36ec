// Local SGD steps (spec 3.4, intended semantics): after local step j < L−1 of every worker,
// acc ← (j = 0 ? 0 : acc) + G and the worker's parameters move: Θ ← Θ − η·G (MODE 0);
// after the last one the submitted gradient is the average G ← (acc + G) / L (MODE 1).
#include "common.wgsl"
struct P { count: u32, first: u32, steps: f32 }
struct Step { lr: f32, first: u32, ringPos: u32, ringCount: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read_write> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;
@group(0) @binding(4) var<storage, read_write> theta: array<f32>;
override MODE: u32 = 0u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.count) { return; }
  let grad = G[e];
  if (MODE == 0u) {
    acc[e] = select(acc[e], 0.0, p.first == 1u) + grad;
    theta[e] = theta[e] - step.lr * grad;
  } else {
    G[e] = (acc[e] + grad) / p.steps;
  }
}
