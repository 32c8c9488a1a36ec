// Row-wise order of a distance matrix (Krum/Bulyan, spec 6.3, 6.5): for i ≠ j, column j goes to
// order[i·(n−1) + rank], rank = its position among row i's other entries by (key, column), where the key of
// D[i][j] is the distance with a non-finite one counted as +∞. One invocation per (i, j); no data-dependent
// loop length.
#include "dist_common.wgsl"
struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.n * p.n) { return; }
  let i = e / p.n;
  let j = e % p.n;
  if (i == j) { return; }
  let row = i * p.n;
  let key = finite_or_inf(D[row + j]);
  var rank = 0u;
  for (var k = 0u; k < p.n; k++) {
    let other = finite_or_inf(D[row + k]);
    rank += select(0u, 1u, k != i && (other < key || (other == key && k < j)));
  }
  order[i * (p.n - 1u) + rank] = j;
}
