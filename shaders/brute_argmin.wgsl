// Brute (spec 12.2), pass 2: per block of BLOCK consecutive subsets, the smallest diameter and the first
// subset reaching it (scanned in rank order, strict comparison: the first subset wins ties).
struct P { total: u32, blocks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> diam: array<f32>;
@group(0) @binding(2) var<storage, read_write> best: array<f32>;
@group(0) @binding(3) var<storage, read_write> bestAt: array<u32>;
override BLOCK: u32 = 1024u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let b = g.x;
  if (b >= p.blocks) { return; }
  let start = b * BLOCK;
  let end = min(start + BLOCK, p.total);
  var value = diam[start];
  var at = start;
  for (var r = start + 1u; r < end; r++) {
    if (diam[r] < value) {
      value = diam[r];
      at = r;
    }
  }
  best[b] = value;
  bestAt[b] = at;
}
