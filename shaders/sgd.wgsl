// One SGD step with the aggregated vector a (spec 3.7): p = a + wd·θ; with momentum at the update,
// buf ← μ·buf + (1−δ)·p (on the very first step of a reference-v1 run buf ← p, as torch 1.2 did), p = buf;
// θ ← θ − η·p. The learning rate and the first-step flag come from the per-step block.
struct P { d: u32, wd: f32, mu: f32, damp: f32 }
struct Step { lr: f32, first: u32, ringPos: u32, ringCount: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> theta: array<f32>;
@group(0) @binding(4) var<storage, read_write> buf: array<f32>;
override MOMENTUM: u32 = 0u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = g.x + g.y * n.x * WG;
  if (j >= p.d) { return; }
  var v = a[j] + p.wd * theta[j];
  if (MOMENTUM == 1u) {
    v = select(p.mu * buf[j] + (1.0 - p.damp) * v, v, step.first == 1u);
    buf[j] = v;
  }
  theta[j] = theta[j] - step.lr * v;
}
