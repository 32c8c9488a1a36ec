// Per-worker column sums (bias gradients): out[off + w·stride + j] = Σ_r dZ[(w·rows + r)·cols + j].
struct P { workers: u32, rows: u32, cols: u32, outOff: u32, outStride: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dZ: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let j = g.x;
  let w = g.y;
  if (j >= p.cols) { return; }
  var sum = 0.0;
  for (var r = 0u; r < p.rows; r++) { sum += dZ[(w * p.rows + r) * p.cols + j]; }
  out[p.outOff + w * p.outStride + j] = sum;
}
