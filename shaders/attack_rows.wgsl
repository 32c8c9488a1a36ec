// Writes the f_real identical Byzantine rows (spec 7.2, 7.3): out[off + r·d + j] = base_j + x·dir_j for
// r < rows, j < d, with x = scale·factor[slot] (a fixed factor, a line-search proposal or its best point)
// and base = avg (BASE 1) or 0 (BASE 0, `empire-strict`). The lane (c, r) writes chunk c of row r (CH
// columns, gpu/tuning.ts elementChunk): on llvmpipe much faster than one lane per column looping over rows.
struct P { rows: u32, d: u32, off: u32, slot: u32, scale: f32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> avg: array<f32>;
@group(0) @binding(2) var<storage, read> dir: array<f32>;
@group(0) @binding(3) var<storage, read> factor: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
override BASE: u32 = 1u;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let r = g.y;
  if (c >= p.chunks) { return; }
  let x = p.scale * factor[p.slot];
  let end = min(c * CH + CH, p.d);
  let base = p.off + r * p.d;
  for (var j = c * CH; j < end; j++) {
    let step = x * dir[j];
    out[base + j] = select(step, avg[j] + step, BASE == 1u);
  }
}
