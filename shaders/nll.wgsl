// log-softmax + negative log-likelihood, forward and backward, one invocation per sample.
// loss[s] = logsumexp(z_s) - z_s[t]; dZ[s] = (softmax(z_s) - onehot(t)) / (valid rows of s's worker).
// Padding rows (target 0xffffffff) give zero loss and zero gradient.
struct P { samples: u32, classes: u32, perWorker: u32, cntOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> batch: array<u32>;
@group(0) @binding(4) var<storage, read_write> dZ: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let s = g.x;
  if (s >= p.samples) { return; }
  let base = s * p.classes;
  let t = targets[s];
  if (t == 0xffffffffu) {
    for (var c = 0u; c < p.classes; c++) { dZ[base + c] = 0.0; }
    loss[s] = 0.0;
    return;
  }
  var m = Z[base];
  for (var c = 1u; c < p.classes; c++) { m = max(m, Z[base + c]); }
  var sum = 0.0;
  for (var c = 0u; c < p.classes; c++) { sum += exp(Z[base + c] - m); }
  let lse = m + log(sum);
  let scale = 1.0 / f32(batch[p.cntOff + s / p.perWorker]);
  for (var c = 0u; c < p.classes; c++) {
    let hit = select(0.0, 1.0, c == t);
    dZ[base + c] = (exp(Z[base + c] - lse) - hit) * scale;
  }
  loss[s] = lse - Z[base + t];
}
