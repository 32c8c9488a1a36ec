// Momentum at the workers or at the server (spec 3.5), writing the honest rows S[0..h) sent to the rule.
// MODE 0 (worker): M_i ← μ·M_i + (1−δ)·G_i, S_i = M_i.   MODE 1 (server): S_i = (1−δ)·G_i + μ·a_{t−1}.
// The lane (c, r) walks chunk c of row r (CH coordinates, gpu/tuning.ts elementChunk): on llvmpipe far
// faster than one invocation per element.
struct P { rows: u32, d: u32, mu: f32, damp: f32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;
override MODE: u32 = 0u;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let r = g.y;
  if (c >= p.chunks) { return; }
  let end = min(c * CH + CH, p.d);
  let row = r * p.d;
  for (var j = c * CH; j < end; j++) {
    let e = row + j;
    if (MODE == 0u) {
      let m = p.mu * M[e] + (1.0 - p.damp) * G[e];
      M[e] = m;
      S[e] = m;
    } else {
      S[e] = (1.0 - p.damp) * G[e] + p.mu * M[j];
    }
  }
}
