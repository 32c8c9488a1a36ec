// Top-k correctness of each evaluated sample: 1 when fewer than k logits exceed the target's logit. As in
// torch.topk, NaN ranks above everything: NaN logits count as exceeding, a NaN target logit is never correct.
#include "common.wgsl"
struct P { samples: u32, classes: u32, k: u32, outOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> correct: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let s = g.x;
  if (s >= p.samples) { return; }
  let t = targets[s];
  var above = 0u;
  if (t != 0xffffffffu) {
    let zt = Z[s * p.classes + t];
    for (var c = 0u; c < p.classes; c++) {
      let z = Z[s * p.classes + c];
      above += select(0u, 1u, c != t && (is_nan(z) || z > zt));
    }
    if (is_nan(zt)) { above = p.k; }
  }
  correct[p.outOff + s] = select(0.0, 1.0, t != 0xffffffffu && above < p.k);
}
