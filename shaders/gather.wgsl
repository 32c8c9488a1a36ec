// Builds a normalised float batch from the uint8 dataset kept on the GPU.
// batch[idxOff + s] = sample index (bit 31 = flip horizontally), batch[cntOff + s / perWorker] = number of
// valid rows of that worker; rows past the count are padding: zero input, target 0xffffffff.
// The images are bound as two windows of one buffer (a binding holds at most 128 MiB on llvmpipe; CIFAR-10's
// training images take 154 MB): bytes before `split` in `images`, the rest in `images2`.
#include "common.wgsl"
// The image geometry and the rows per worker are pipeline constants: divisions by them compile to
// multiplications (runtime integer divisions are slow on llvmpipe, which has no vector divide).
override PIXELS: u32;
override PLANE: u32;
override WIDTH: u32;
override PER_WORKER: u32;
struct P {
  samples: u32, _unused0: u32, _unused1: u32, _unused2: u32, _unused3: u32, idxOff: u32, cntOff: u32, split: u32,
  mean0: f32, mean1: f32, mean2: f32, _pad2: f32, std0: f32, std1: f32, std2: f32, _pad3: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> batch: array<u32>;
@group(0) @binding(4) var<storage, read_write> X: array<f32>;
@group(0) @binding(5) var<storage, read_write> targets: array<u32>;
@group(0) @binding(6) var<storage, read> images2: array<u32>;
override WG: u32 = 64u;

fn byte_at(q: u32) -> u32 {
  if (q < p.split) { return (images[q >> 2u] >> ((q & 3u) * 8u)) & 0xffu; }
  let r = q - p.split;
  return (images2[r >> 2u] >> ((r & 3u) * 8u)) & 0xffu;
}

fn word_at(w: u32) -> u32 {
  let split = p.split >> 2u;
  if (w < split) { return images[w]; }
  return images2[w - split];
}

// Same result four pixels at a time, one u32 of the image per invocation (when PIXELS and WIDTH are
// multiples of 4, as for MNIST and CIFAR): a quarter of the invocations and of the loads.
@compute @workgroup_size(WG)
fn main4(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.samples * (PIXELS / 4u)) { return; }
  let s = e / (PIXELS / 4u);
  let q = (e % (PIXELS / 4u)) * 4u;
  let valid = (s % PER_WORKER) < batch[p.cntOff + s / PER_WORKER];
  let entry = batch[p.idxOff + s];
  let index = entry & 0x7fffffffu;
  var x = vec4<f32>(0.0);
  if (valid) {
    let c = q / PLANE;
    var r = q % PLANE;
    let flip = (entry & 0x80000000u) != 0u;
    // Flipped: the mirror word of the row, its bytes in reverse order.
    if (flip) { r = r - r % WIDTH + (WIDTH - 4u - r % WIDTH); }
    let word = word_at((index * PIXELS + c * PLANE + r) >> 2u);
    var bytes = vec4<u32>(word & 0xffu, (word >> 8u) & 0xffu, (word >> 16u) & 0xffu, word >> 24u);
    if (flip) { bytes = bytes.wzyx; }
    let mean = select(select(p.mean2, p.mean1, c == 1u), p.mean0, c == 0u);
    let sd = select(select(p.std2, p.std1, c == 1u), p.std0, c == 0u);
    x = (vec4<f32>(bytes) / 255.0 - mean) / sd;
  }
  let at = s * PIXELS + q;
  X[at] = x.x;
  X[at + 1u] = x.y;
  X[at + 2u] = x.z;
  X[at + 3u] = x.w;
  if (q == 0u) {
    let label = (labels[index >> 2u] >> ((index & 3u) * 8u)) & 0xffu;
    targets[s] = select(0xffffffffu, label, valid);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.samples * PIXELS) { return; }
  let s = e / PIXELS;
  let q = e % PIXELS;
  let valid = (s % PER_WORKER) < batch[p.cntOff + s / PER_WORKER];
  let entry = batch[p.idxOff + s];
  let index = entry & 0x7fffffffu;
  var x = 0.0;
  if (valid) {
    let c = q / PLANE;
    var r = q % PLANE;
    if ((entry & 0x80000000u) != 0u) { r = r - r % WIDTH + (WIDTH - 1u - r % WIDTH); }
    let mean = select(select(p.mean2, p.mean1, c == 1u), p.mean0, c == 0u);
    let sd = select(select(p.std2, p.std1, c == 1u), p.std0, c == 0u);
    x = (f32(byte_at(index * PIXELS + c * PLANE + r)) / 255.0 - mean) / sd;
  }
  X[e] = x;
  if (q == 0u) {
    let label = (labels[index >> 2u] >> ((index & 3u) * 8u)) & 0xffu;
    targets[s] = select(0xffffffffu, label, valid);
  }
}
