// Builds a normalised float batch from the uint8 dataset kept on the GPU.
// batch[idxOff + s] = sample index (bit 31 = flip horizontally), batch[cntOff + s / perWorker] = number of
// valid rows of that worker; rows past the count are padding: zero input, target 0xffffffff.
// The images are bound as two windows of one buffer (a binding holds at most 128 MiB on llvmpipe; CIFAR-10's
// training images take 154 MB): bytes before `split` in `images`, the rest in `images2`.
#include "common.wgsl"
struct P {
  samples: u32, perWorker: u32, pixels: u32, width: u32, plane: u32, idxOff: u32, cntOff: u32, split: u32,
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

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.samples * p.pixels) { return; }
  let s = e / p.pixels;
  let q = e % p.pixels;
  let valid = (s % p.perWorker) < batch[p.cntOff + s / p.perWorker];
  let entry = batch[p.idxOff + s];
  let index = entry & 0x7fffffffu;
  var x = 0.0;
  if (valid) {
    let c = q / p.plane;
    var r = q % p.plane;
    if ((entry & 0x80000000u) != 0u) { r = r - r % p.width + (p.width - 1u - r % p.width); }
    let mean = select(select(p.mean2, p.mean1, c == 1u), p.mean0, c == 0u);
    let sd = select(select(p.std2, p.std1, c == 1u), p.std0, c == 0u);
    x = (f32(byte_at(index * p.pixels + c * p.plane + r)) / 255.0 - mean) / sd;
  }
  X[e] = x;
  if (q == 0u) {
    let label = (labels[index >> 2u] >> ((index & 3u) * 8u)) & 0xffu;
    targets[s] = select(0xffffffffu, label, valid);
  }
}
