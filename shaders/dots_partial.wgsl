// Dot products between rows of X and rows of Y (possibly the same buffer), split-d pass 1: for pair
// q = (pairs[2q], pairs[2q+1]), partial[q·chunks + c] = Σ_{j in chunk c} X[a·stride + j] · Y[b·stride + j].
// Pass 2 is reduce_final.
struct P { pairs: u32, len: u32, stride: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read> pairs: array<u32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let q = g.y;
  if (c >= p.chunks) { return; }
  let a = pairs[2u * q] * p.stride;
  let b = pairs[2u * q + 1u] * p.stride;
  let end = min(c * CH + CH, p.len);
  var acc = 0.0;
  for (var j = c * CH; j < end; j++) { acc = fma(X[a + j], Y[b + j], acc); }
  partial[q * p.chunks + c] = acc;
}
