// Sums split-K partials: out[outOff + w·outStride + j] = Σ_g partial[(w·groups + g)·len + j], in group order.
struct P { groups: u32, len: u32, outOff: u32, outStride: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let j = g.x;
  let w = g.y;
  if (j >= p.len) { return; }
  var sum = 0.0;
  for (var k = 0u; k < p.groups; k++) { sum += partial[(w * p.groups + k) * p.len + j]; }
  out[p.outOff + w * p.outStride + j] = sum;
}
