/**
 * Generators of the element-wise BatchNorm2d kernels, over scalars or, when a plane's HW values are a
 * multiple of 4 (and the windows 4-aligned), over vec4s: the four values share a channel, and llvmpipe
 * loads a vec4 about as fast as a scalar.
 *
 * * forward, over `count` elements (images × C × HW; vec4s when `vec4`), the first image being sample
 *   `firstSample`: y = γ_c·(x − mean)·invstd + β_c. Evaluation mode (train = 0): the running statistics
 *   (running[c] = mean, running[C + c] = variance), which the reference never updates (mean 0, variance 1:
 *   y = γ·x/√(1 + eps) + β, spec 5.1, QUIRK 3). Training mode: the worker's batch statistics (stats: 6
 *   floats per worker and channel, mean then invstd).
 * * backward to the input, in place on dY, fused with the backward of the ReLU that precedes it
 *   (`reluMask`: dX = 0 where X ≤ 0): evaluation mode dX = γ·invstd·dY; training mode
 *   dX = γ·invstd·(dY − mean(dY) − x̂·mean(dY·x̂)), the means over the worker's N values (stats slots 3 and
 *   4); rows past the worker's count (padding) get 0.
 */

function header(vec4: boolean, fields: string, bindings: string[]): string[] {
  const type = vec4 ? "vec4f" : "f32";
  return [
    `struct P { ${fields} }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    ...bindings.map((b, i) => `@group(0) @binding(${i + 1}) ${b.replace("T", type)};`),
    `override C: u32; override HW: u32; override perWorker: u32;`,
    `override WG: u32 = 64u;`,
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {`,
    `  let e = g.x + g.y * n.x * WG;`,
    `  if (e >= p.count) { return; }`,
    // First element of this invocation (vec4s never straddle a plane: HW is then a multiple of 4).
    `  let first = e * ${vec4 ? 4 : 1}u;`,
    `  let c = (first / HW) % C;`,
    `  let sample = p.firstSample + first / (C * HW);`,
    `  let w = sample / perWorker;`,
  ];
}

/** WGSL of the forward kernel. */
export function batchNormForwardWgsl(vec4: boolean): string {
  return [
    ...header(
      vec4,
      "count: u32, inOff: u32, outOff: u32, gammaOff: u32, betaOff: u32, thetaStride: u32, " +
        "firstSample: u32, train: u32, runOff: u32, eps: f32",
      [
        "var<storage, read> X: array<T>",
        "var<storage, read> theta: array<f32>",
        "var<storage, read> stats: array<f32>",
        "var<storage, read> running: array<f32>",
        "var<storage, read_write> Y: array<T>",
      ],
    ),
    `  let t = w * p.thetaStride;`,
    `  var mean = running[p.runOff + c];`,
    `  var invstd = 1.0 / sqrt(running[p.runOff + C + c] + p.eps);`,
    `  if (p.train == 1u) {`,
    `    mean = stats[(w * C + c) * 6u];`,
    `    invstd = stats[(w * C + c) * 6u + 1u];`,
    `  }`,
    `  Y[p.outOff + e] = theta[p.gammaOff + t + c] * ((X[p.inOff + e] - mean) * invstd) + theta[p.betaOff + t + c];`,
    `}`,
  ].join("\n");
}

/** WGSL of the backward kernel. */
export function batchNormBackwardWgsl(vec4: boolean): string {
  const zero = vec4 ? "vec4f(0.0)" : "0.0";
  return [
    ...header(
      vec4,
      "count: u32, gradOff: u32, inOff: u32, gammaOff: u32, thetaStride: u32, firstSample: u32, train: u32, " +
        "runOff: u32, reluMask: u32, cntOff: u32, eps: f32",
      [
        "var<storage, read> X: array<T>",
        "var<storage, read> theta: array<f32>",
        "var<storage, read> stats: array<f32>",
        "var<storage, read> running: array<f32>",
        "var<storage, read> batch: array<u32>",
        "var<storage, read_write> dY: array<T>",
      ],
    ),
    `  let x = X[p.inOff + e];`,
    `  let gamma = theta[p.gammaOff + w * p.thetaStride + c];`,
    `  var d = dY[p.gradOff + e];`,
    `  if (p.train == 1u) {`,
    `    let s = (w * C + c) * 6u;`,
    `    let xhat = (x - stats[s]) * stats[s + 1u];`,
    `    d = gamma * stats[s + 1u] * (d - stats[s + 3u] - xhat * stats[s + 4u]);`,
    `    if (sample % perWorker >= batch[p.cntOff + w]) { d = ${zero}; }`,
    `  } else {`,
    `    d = gamma * d / sqrt(running[p.runOff + C + c] + p.eps);`,
    `  }`,
    `  if (p.reluMask == 1u) { d = select(${zero}, d, x > ${zero}); }`,
    `  dY[p.gradOff + e] = d;`,
    `}`,
  ].join("\n");
}
