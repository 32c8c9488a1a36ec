// Shared helpers. NaN must be tested on bits: llvmpipe's Vulkan path folds `x != x` to false.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
fn nan_f32() -> f32 { return bitcast<f32>(0x7fc00000u); }
// Flattened index of a 2-D dispatch grid of 1-D workgroups of size `wg`.
fn flat_id(g: vec3u, groups: vec3u, wg: u32) -> u32 { return g.x + g.y * groups.x * wg; }
