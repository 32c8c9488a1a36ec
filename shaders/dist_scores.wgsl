// Krum/Bulyan scores (spec 6.3, 6.5): scores[i] = sum of the k smallest distances from row i to the others,
// added in increasing order from the output of dist_row_sort.
struct P { n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> sorted: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i >= p.n) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.k; r++) { acc += sorted[i * (p.n - 1u) + r]; }
  scores[i] = acc;
}
