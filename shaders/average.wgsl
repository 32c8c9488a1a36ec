// Arithmetic mean of the n submitted rows (spec 6.2): out[j] = (Σ_i S[i][j]) / n, summed in row order.
struct P { n: u32, d: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = g.x + g.y * n.x * WG;
  if (j >= p.d) { return; }
  var sum = 0.0;
  for (var i = 0u; i < p.n; i++) { sum += S[i * p.d + j]; }
  out[j] = sum / f32(p.n);
}
