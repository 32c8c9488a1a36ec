// Helpers of the distance-based rules (krum, bulyan, aksel, brute, cge). A key is what gets sorted:
// a non-finite distance, score or norm counts as +∞ (spec 6.3).
#include "common.wgsl"
fn inf_f32() -> f32 { return bitcast<f32>(0x7f800000u); }
fn finite_or_inf(x: f32) -> f32 { return select(inf_f32(), x, is_finite(x)); }
