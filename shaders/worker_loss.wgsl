// Mean loss of each worker's batch plus the regularisation term c1·‖θ‖₁ + c2·‖θ‖₂ (spec 3.2).
// norms[n1 + w·normStride] = ‖θ_w‖₁, norms[n2 + w·normStride] = ‖θ_w‖₂ (normStride 0: shared θ).
struct P { workers: u32, perWorker: u32, cntOff: u32, n1: u32, n2: u32, c1: f32, c2: f32, outOff: u32, normStride: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read> batch: array<u32>;
@group(0) @binding(3) var<storage, read> norms: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let w = g.x;
  if (w >= p.workers) { return; }
  let count = batch[p.cntOff + w];
  var sum = 0.0;
  for (var r = 0u; r < count; r++) { sum += loss[w * p.perWorker + r]; }
  var reg = 0.0;
  if (p.c1 != 0.0) { reg += p.c1 * norms[p.n1 + w * p.normStride]; }
  if (p.c2 != 0.0) { reg += p.c2 * norms[p.n2 + w * p.normStride]; }
  out[p.outOff + w] = sum / f32(count) + reg;
}
