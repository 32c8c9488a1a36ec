// Inverted dropout in place over `count` elements (images × perSample) of a window whose first image is
// sample `firstSample`: X ← X·scale where the counter-based hash of (seed, step, layer, worker, index of
// the element within the worker's batch) keeps it, else 0. The same call on the gradient is the backward.
#include "common.wgsl"
struct P {
  count: u32, off: u32, firstSample: u32, seedLo: u32, seedHi: u32, layer: u32, threshold: u32, scale: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: vec4u;
@group(0) @binding(2) var<storage, read_write> X: array<f32>;
override perSample: u32;
override perWorker: u32;
override WG: u32 = 64u;

// Chris Wellons' lowbias32 integer hash.
fn hash(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u; x *= 0x7feb352du; x ^= x >> 15u; x *= 0x846ca68bu; x ^= x >> 16u;
  return x;
}
fn combine(h: u32, v: u32) -> u32 { return hash(h ^ (v + 0x9e3779b9u + (h << 6u) + (h >> 2u))); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.count) { return; }
  let sample = p.firstSample + e / perSample;
  let w = sample / perWorker;
  let local = (sample - w * perWorker) * perSample + e % perSample;
  let key = combine(combine(combine(combine(hash(p.seedLo), p.seedHi), step.x), p.layer), w);
  let keep = combine(key, local) >= p.threshold;
  X[p.off + e] = select(0.0, X[p.off + e] * p.scale, keep);
}
