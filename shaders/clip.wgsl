// Gradient clipping of each row (spec 3.3): a row r whose norm norms[normsOff + r] exceeds c is scaled by c/‖g‖, or, with the
// reference-v1 behaviour (UNIT = 1), by 1/‖g‖ (rescaled to unit norm).
// The lane (c, r) walks chunk c of row r (CH elements, gpu/tuning.ts elementChunk): on llvmpipe a contiguous
// chunk per lane runs about twice as fast as one lane per coordinate looping over the rows.
struct P { rows: u32, len: u32, stride: u32, c: f32, normsOff: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read_write> G: array<f32>;
override UNIT: u32 = 0u;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let r = g.y;
  if (c >= p.chunks) { return; }
  let norm = norms[p.normsOff + r];
  if (!(norm > p.c)) { return; }
  let scale = select(p.c / norm, 1.0 / norm, UNIT == 1u);
  let start = c * CH;
  let end = min(start + CH, p.len);
  let base = r * p.stride;
  for (var j = start; j < end; j++) {
    G[base + j] = G[base + j] * scale;
  }
}
