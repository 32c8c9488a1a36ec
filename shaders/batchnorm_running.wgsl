// BatchNorm running statistics after a training forward pass: the reference computes the K workers'
// gradients one after the other on one model, so each worker's batch statistics update the running ones
// in worker order: r ← (1 − m)·r + m·batch (unbiased variance), m = momentum (0.1).
// running[c] = mean, running[C + c] = variance.
struct P { workers: u32, C: u32, runOff: u32, momentum: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> running: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  if (c >= p.C) { return; }
  var mean = running[p.runOff + c];
  var variance = running[p.runOff + p.C + c];
  for (var w = 0u; w < p.workers; w++) {
    let s = (w * p.C + c) * 6u;
    mean = (1.0 - p.momentum) * mean + p.momentum * stats[s];
    variance = (1.0 - p.momentum) * variance + p.momentum * stats[s + 2u];
  }
  running[p.runOff + c] = mean;
  running[p.runOff + p.C + c] = variance;
}
