// Final combination of the per-step study metrics (spec 4, columns 2–22), one invocation.
// stats layout (f32): [0..3) Σ squared deviations of sampled, honest, attack rows; [3..14) dot products
// of the study vectors (0 sampled avg, 1 honest avg, 2 attack avg, 3 aggregate, 4 θ−θ₀) in the order
// 00 11 22 33 44 01 02 03 12 13 23; [14] ⟨ḡ_t, W_t⟩ with W_t = Σ_k μ^k ḡ_{t−k} (shaders/study_past.wgsl), [15]
// ⟨ḡ_t, ḡ_{t−1}⟩; [16..20) max |coordinate| of vectors 0..3; [20] ‖ḡ_{t−1}‖²; [21..) the per-worker losses of
// the step (K of them, times the local steps).
#include "common.wgsl"
struct P { K: u32, h: u32, fr: u32, losses: u32 }
struct Step { lr: f32, first: u32, ringPos: u32, ringCount: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> row: array<f32>;

fn dev(sq: f32, count: u32) -> f32 { return select(nan_f32(), sqrt(sq / f32(count - 1u)), count >= 2u); }
fn cosine(dot: f32, a: u32, b: u32) -> f32 { return dot / (sqrt(stats[3u + a]) * sqrt(stats[3u + b])); }

@compute @workgroup_size(1)
fn main() {
  let attacked = p.fr > 0u;
  let nan = nan_f32();
  let maxAt = 16u;
  let pastNorm = 20u;
  let losses = 21u;
  var loss = 0.0;
  for (var k = 0u; k < p.losses; k++) { loss += stats[losses + k]; }
  row[0] = loss / f32(p.losses);
  row[1] = sqrt(stats[7]);
  row[2] = dev(stats[0], p.K);
  row[3] = dev(stats[1], p.h);
  row[4] = dev(stats[2], p.fr);
  row[5] = sqrt(stats[3]);
  row[6] = sqrt(stats[4]);
  row[7] = select(nan, sqrt(stats[5]), attacked);
  row[8] = sqrt(stats[6]);
  row[9] = stats[maxAt];
  row[10] = stats[maxAt + 1u];
  row[11] = select(nan, stats[maxAt + 2u], attacked);
  row[12] = stats[maxAt + 3u];
  row[13] = cosine(stats[8], 0u, 1u);
  row[14] = select(nan, cosine(stats[9], 0u, 2u), attacked);
  row[15] = cosine(stats[10], 0u, 3u);
  row[16] = select(nan, cosine(stats[11], 1u, 2u), attacked);
  row[17] = cosine(stats[12], 1u, 3u);
  row[18] = select(nan, cosine(stats[13], 2u, 3u), attacked);
  var prev = nan;
  var curvature = nan;
  if (step.ringCount > 0u) {
    prev = stats[15] / (sqrt(stats[3]) * sqrt(stats[pastNorm]));
    curvature = stats[14];
  }
  row[19] = prev;
  row[20] = curvature;
  stats[pastNorm] = stats[3];
}
