/**
 * Generators of the 2-D convolution kernels (register-blocked, no shared memory; see ops/conv.ts).
 *
 * Tensors are NCHW float32. Stride, padding, kernel size and block sizes are compile-time constants, so
 * every tap loop is unrolled into scalar registers. On llvmpipe every storage load is a per-lane scalar
 * access whatever its width, so the kernels load vec4s wherever rows are 4-aligned (about 3× fewer loads).
 *
 * * `convWgsl` — one correlation kernel for two passes. An invocation computes R output channels × C
 *   consecutive output columns of one output row of one image. For each input channel and kernel row it
 *   loads the (C−1)·S + KW input values the C outputs share (a sliding window held in registers) and
 *   R·KW weights (R/4 vec4s per tap from the re-laid-out weights of `convWeightsWgsl`), then does R·C·KW
 *   multiply-adds.
 *   - forward: `out[n,o,y,x] = Σ_{i,ky,kx} W[o,i,ky,kx]·in[n,i,y·S+ky−P, x·S+kx−P]` (+bias, ReLU);
 *   - input gradient: `dIn[n,i,y,x] = Σ_{o,ky,kx} W[o,i,ky,kx]·dOut[n,o,(y+P−ky)/S,(x+P−kx)/S]` (terms
 *     with a non-integer or out-of-range index vanish). It is the same correlation over dOut dilated by S
 *     (zeros between its values), with the kernel flipped and transposed and padding KH−1−P.
 * * `convWeightsWgsl` — lays the weights out as [I][KH][KW][O padded to the block] per worker, flipped and
 *   transposed for the input gradient, so that a block's R output channels of one tap are consecutive.
 * * `convWeightGradWgsl` — `dW[o,i,ky,kx] = Σ_{n,y,x} dOut[n,o,y,x]·in[n,i,y·S+ky−P, x·S+kx−P]` over one
 *   group of one worker's images. An invocation owns R output × CI input channels × all taps and walks the
 *   output rows U columns at a time, loading U·R output gradients and a (U−1)·S + KW input window per
 *   input channel and kernel row.
 */

/** Compile-time shape of a correlation kernel. */
export interface ConvVariant {
  readonly kh: number;
  readonly kw: number;
  /** Output-to-input step (the forward stride; 1 for the input gradient). */
  readonly stride: number;
  /** Dilation of the input map (1 forward; the forward stride for the input gradient). */
  readonly dilation: number;
  readonly padH: number;
  readonly padW: number;
  /** Output channels per invocation (a multiple of 4). */
  readonly rows: number;
  /** Output columns per invocation. */
  readonly cols: number;
  /** Input rows are read as vec4s (needs dilation 1, C·S a multiple of 4 and 4-aligned rows). */
  readonly vec4: boolean;
  readonly bias: boolean;
  readonly relu: boolean;
}

/** Field order of the correlation kernel's parameter block (all u32). */
export const CONV_PARAMS = [
  "IC",
  "OC",
  "IH",
  "IW",
  "OH",
  "OW",
  "xBlocks",
  "inOff",
  "outOff",
  "biasOff",
  "thetaStride",
  "perWorker",
  "firstSample",
  "weightWorkers",
] as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lane = (i: number) => "xyzw"[i];

/**
 * WGSL of one correlation variant; the workgroup size (x) is the WX override constant. Binding 2 holds the
 * weights laid out by `convWeightsWgsl` (`weightWorkers` copies: 1, or one per worker).
 */
export function convWgsl(v: ConvVariant): string {
  const { kh: KH, kw: KW, stride: S, dilation: D, rows: R, cols: C } = v;
  const T = (C - 1) * S + KW;
  const L: string[] = [
    `struct P { ${CONV_PARAMS.map((f) => `${f}: u32`).join(", ")} }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> X: array<${v.vec4 ? "vec4f" : "f32"}>;`,
    `@group(0) @binding(2) var<storage, read> Wt: array<vec4f>;`,
    `@group(0) @binding(3) var<storage, read_write> Y: array<f32>;`,
  ];
  if (v.bias) L.push(`@group(0) @binding(4) var<storage, read> theta: array<f32>;`);
  L.push(
    `override WX: u32 = 8u;`,
    `@compute @workgroup_size(WX)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  let sp = g.x;`,
    `  if (sp >= p.OH * p.xBlocks) { return; }`,
    `  let oy = sp / p.xBlocks; let ox0 = (sp % p.xBlocks) * ${C}u; let oc0 = g.y * ${R}u; let n = g.z;`,
    `  let plane = p.IH * p.IW;`,
    `  let inBase = p.inOff + n * p.IC * plane;`,
    `  let worker = (p.firstSample + n) / p.perWorker;`,
    // Weights of tap (ic, ky, kx) for this block: Wt[wb + ((ic·KH + ky)·KW + kx)·ocp4 + q], q < R/4.
    `  let ocp4 = ((p.OC + ${R - 1}u) / ${R}u) * ${R / 4}u;`,
    `  let wb = min(worker, p.weightWorkers - 1u) * p.IC * ${KH * KW}u * ocp4 + oc0 / 4u;`,
  );
  // Window columns: virtual input coordinates ox0·S − padW + t (before undoing the dilation).
  let window: (t: number) => string;
  if (v.vec4) {
    // vec4 k covers columns 4·(ox0·S/4 + k) … + 3; column t of the window is lane (t − padW) mod 4 of
    // vec4 ⌊(t − padW)/4⌋ (ox0·S is a multiple of 4).
    const k0 = Math.floor(-v.padW / 4), k1 = Math.floor((T - 1 - v.padW) / 4);
    L.push(`  let q0 = i32(ox0 * ${S}u / 4u); let iw4 = i32(p.IW / 4u);`);
    for (let k = k0; k <= k1; k++) {
      const id = k - k0;
      L.push(
        `  let cq${id} = u32(clamp(q0 + ${k}, 0, iw4 - 1)); let cv${id} = q0 + ${k} >= 0 && q0 + ${k} < iw4;`,
      );
    }
    window = (t) => {
      const k = Math.floor((t - v.padW) / 4);
      return `v${k - k0}.${lane(t - v.padW - 4 * k)}`;
    };
    for (const ky of range(KH)) {
      L.push(`  let vr${ky} = i32(oy * ${S}u) + ${ky - v.padH};`);
      L.push(`  let ri${ky} = u32(clamp(vr${ky}, 0, i32(p.IH) - 1)) * (p.IW / 4u);`);
      L.push(`  let rv${ky} = vr${ky} >= 0 && vr${ky} < i32(p.IH);`);
    }
    L.push(`  let inBase4 = inBase / 4u; let plane4 = plane / 4u;`);
    L.push(
      ...accumulators(R, C),
      `  for (var ic = 0u; ic < p.IC; ic++) {`,
      `    let xb = inBase4 + ic * plane4;`,
    );
    for (const ky of range(KH)) {
      L.push(`    {`, `      let rb = xb + ri${ky};`);
      for (let k = k0; k <= k1; k++) {
        const id = k - k0;
        L.push(`      let v${id} = select(vec4f(0.0), X[rb + cq${id}], rv${ky} && cv${id});`);
      }
      L.push(...tapFmas(R, C, S, KW, KH, ky, window));
      L.push(`    }`);
    }
  } else {
    for (const t of range(T)) {
      L.push(`  let vc${t} = i32(ox0 * ${S}u) + ${t - v.padW};`);
      L.push(`  let ci${t} = u32(clamp(vc${t} / ${D}, 0, i32(p.IW) - 1));`);
      L.push(`  let cv${t} = ${valid(`vc${t}`, "p.IW", D)};`);
    }
    for (const ky of range(KH)) {
      L.push(`  let vr${ky} = i32(oy * ${S}u) + ${ky - v.padH};`);
      L.push(`  let ri${ky} = u32(clamp(vr${ky} / ${D}, 0, i32(p.IH) - 1)) * p.IW;`);
      L.push(`  let rv${ky} = ${valid(`vr${ky}`, "p.IH", D)};`);
    }
    window = (t) => `x${t}`;
    L.push(
      ...accumulators(R, C),
      `  for (var ic = 0u; ic < p.IC; ic++) {`,
      `    let xb = inBase + ic * plane;`,
    );
    for (const ky of range(KH)) {
      L.push(`    {`, `      let rb = xb + ri${ky};`);
      for (const t of range(T)) L.push(`      let x${t} = select(0.0, X[rb + ci${t}], rv${ky} && cv${t});`);
      L.push(...tapFmas(R, C, S, KW, KH, ky, window));
      L.push(`    }`);
    }
  }
  L.push(`  }`, `  let outBase = p.outOff + n * p.OC * p.OH * p.OW + oy * p.OW + ox0;`);
  if (v.bias) L.push(`  let bBase = p.biasOff + worker * p.thetaStride;`);
  for (const r of range(R)) {
    for (const c of range(C)) {
      let value = `s${r}_${c}`;
      if (v.bias) value = `(${value} + theta[bBase + oc0 + ${r}u])`;
      if (v.relu) value = `max(${value}, 0.0)`;
      const guard = [r > 0 ? `oc0 + ${r}u < p.OC` : "", c > 0 ? `ox0 + ${c}u < p.OW` : ""].filter(Boolean);
      const store = `Y[outBase + (oc0 + ${r}u) * p.OH * p.OW + ${c}u] = ${value};`;
      L.push(guard.length ? `  if (${guard.join(" && ")}) { ${store} }` : `  ${store}`);
    }
  }
  L.push(`}`);
  return L.join("\n");
}

function accumulators(R: number, C: number): string[] {
  return range(R).map((r) => `  ${range(C).map((c) => `var s${r}_${c} = 0.0;`).join(" ")}`);
}

/** The multiply-adds of kernel row `ky`: R/4 weight vec4s per tap, each lane times C window values. */
function tapFmas(
  R: number,
  C: number,
  S: number,
  KW: number,
  KH: number,
  ky: number,
  window: (t: number) => string,
): string[] {
  const out: string[] = [];
  for (const kx of range(KW)) {
    for (const q of range(R / 4)) {
      const fmas: string[] = [];
      for (const j of range(4)) {
        const r = 4 * q + j;
        for (const c of range(C)) {
          fmas.push(`s${r}_${c} = fma(w.${lane(j)}, ${window(c * S + kx)}, s${r}_${c});`);
        }
      }
      out.push(
        `      { let w = Wt[wb + ((ic * ${KH}u + ${ky}u) * ${KW}u + ${kx}u) * ocp4 + ${q}u]; ${
          fmas.join(" ")
        } }`,
      );
    }
  }
  return out;
}

/** WGSL condition: virtual coordinate `v` (i32) hits a real element of an axis of `size` dilated by D. */
function valid(v: string, size: string, D: number): string {
  const inRange = `${v} >= 0 && ${v} < i32(${size}) * ${D}`;
  return D === 1 ? inRange : `${inRange} && ${v} % ${D} == 0`;
}

/**
 * WGSL of the weight re-layout: one invocation per output float of `count` = workers · IC·KH·KW·OCp:
 * out[(w·IC·KH·KW + (i·KH + ky)·KW + kx)·OCp + o] = weight (o, i, ky, kx) of the kernel (0 for o ≥ OC),
 * read from θ as OIHW (`flip` false) or as the flipped, transposed IOHW of the input gradient.
 */
export function convWeightsWgsl(flip: boolean): string {
  const source = flip
    ? `((i * OC + o) * KH + (KH - 1u - ky)) * KW + (KW - 1u - kx)`
    : `((o * IC + i) * KH + ky) * KW + kx`;
  return [
    `struct P { count: u32, wOff: u32, thetaStride: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> theta: array<f32>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<f32>;`,
    `override IC: u32; override OC: u32; override OCp: u32; override KH: u32; override KW: u32;`,
    `override WG: u32 = 64u;`,
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {`,
    `  let e = g.x + g.y * n.x * WG;`,
    `  if (e >= p.count) { return; }`,
    `  let o = e % OCp; let tap = e / OCp; let kx = tap % KW; let ky = (tap / KW) % KH;`,
    `  let i = (tap / (KW * KH)) % IC; let w = tap / (KW * KH * IC);`,
    `  var value = 0.0;`,
    `  if (o < OC) { value = theta[p.wOff + w * p.thetaStride + ${source}]; }`,
    `  out[e] = value;`,
    `}`,
  ].join("\n");
}

/** Compile-time shape of a weight-gradient kernel. */
export interface ConvWeightGradVariant {
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly padH: number;
  readonly padW: number;
  /** Output channels per invocation. */
  readonly rows: number;
  /** Input channels per invocation. */
  readonly inputs: number;
  /** Output columns per loop iteration (a multiple of 4 with `vec4`). */
  readonly unroll: number;
  /** Rows are read as vec4s (needs stride 1 and 4-aligned input and output rows). */
  readonly vec4: boolean;
}

/** Field order of the weight-gradient kernel's parameter block (all u32). */
export const CONV_WGRAD_PARAMS = [
  "IC",
  "OC",
  "IH",
  "IW",
  "OH",
  "OW",
  "icBlocks",
  "perWorker",
  "groupSize",
  "groups",
  "inOff",
  "outOff",
  "dstOff",
  "dstStride",
] as const;

/**
 * WGSL of one weight-gradient variant. Grid: x = (output block, input block), y = image group, z = worker
 * of the chunk; the sums of group y of worker z go to `dst[dstOff + (z·groups + y)·dstStride + …]`.
 */
export function convWeightGradWgsl(v: ConvWeightGradVariant): string {
  const { kh: KH, kw: KW, stride: S, rows: R, inputs: CI, unroll: U } = v;
  const T = (U - 1) * S + KW;
  const KK = KH * KW;
  const type = v.vec4 ? "vec4f" : "f32";
  const L: string[] = [
    `struct P { ${CONV_WGRAD_PARAMS.map((f) => `${f}: u32`).join(", ")} }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> X: array<${type}>;`,
    `@group(0) @binding(2) var<storage, read> dY: array<${type}>;`,
    `@group(0) @binding(3) var<storage, read_write> dst: array<f32>;`,
    `override WX: u32 = 8u;`,
    `@compute @workgroup_size(WX)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  if (g.x >= p.icBlocks * ((p.OC + ${R - 1}u) / ${R}u)) { return; }`,
    `  let oc0 = (g.x / p.icBlocks) * ${R}u; let ic0 = (g.x % p.icBlocks) * ${CI}u;`,
    `  let first = g.z * p.perWorker + g.y * p.groupSize;`,
    `  let last = min(first + p.groupSize, (g.z + 1u) * p.perWorker);`,
  ];
  const div = v.vec4 ? " / 4u" : "";
  L.push(`  let inPlane = p.IH * p.IW${div}; let outPlane = p.OH * p.OW${div}; let iw = p.IW${div};`);
  for (const r of range(R)) L.push(`  let o${r} = min(oc0 + ${r}u, p.OC - 1u) * outPlane;`);
  for (const j of range(CI)) L.push(`  let i${j} = min(ic0 + ${j}u, p.IC - 1u) * inPlane;`);
  for (const r of range(R)) {
    for (const j of range(CI)) L.push(`  ${range(KK).map((k) => `var s${r}_${j}_${k} = 0.0;`).join(" ")}`);
  }
  L.push(
    `  for (var n = first; n < last; n++) {`,
    `    let xb = (p.inOff + n * p.IC * p.IH * p.IW)${div}; let yb = (p.outOff + n * p.OC * p.OH * p.OW)${div};`,
    `    for (var oy = 0u; oy < p.OH; oy++) {`,
  );
  for (const ky of range(KH)) {
    L.push(`      let vr${ky} = i32(oy * ${S}u) + ${ky - v.padH};`);
    L.push(`      let rv${ky} = vr${ky} >= 0 && vr${ky} < i32(p.IH);`);
    L.push(`      let ri${ky} = u32(clamp(vr${ky}, 0, i32(p.IH) - 1)) * iw;`);
  }
  L.push(
    `      for (var ox0 = 0u; ox0 < p.OW; ox0 += ${U}u) {`,
    `        let yr = yb + oy * (p.OW${div}) + ox0${div};`,
  );
  // d(r, u): gradient of output (oc0 + r, oy, ox0 + u); x(t): input column ox0·S − padW + t.
  let d: (r: number, u: number) => string;
  let x: (t: number) => string;
  let k0 = 0, k1 = 0;
  if (v.vec4) {
    for (const u4 of range(U / 4)) {
      L.push(`        let ou${u4} = ox0 + ${4 * u4}u < p.OW;`);
      for (const r of range(R)) {
        L.push(`        let d${r}_${u4} = select(vec4f(0.0), dY[yr + o${r} + ${u4}u], ou${u4});`);
      }
    }
    d = (r, u) => `d${r}_${Math.floor(u / 4)}.${lane(u % 4)}`;
    k0 = Math.floor(-v.padW / 4);
    k1 = Math.floor((T - 1 - v.padW) / 4);
    L.push(`        let q0 = i32(ox0 / 4u);`);
    for (let k = k0; k <= k1; k++) {
      const id = k - k0;
      L.push(
        `        let cq${id} = u32(clamp(q0 + ${k}, 0, i32(iw) - 1)); let cv${id} = q0 + ${k} >= 0 && q0 + ${k} < i32(iw);`,
      );
    }
    x = (t) => {
      const k = Math.floor((t - v.padW) / 4);
      return `v${k - k0}.${lane(t - v.padW - 4 * k)}`;
    };
  } else {
    for (const u of range(U)) {
      L.push(`        let ou${u} = ox0 + ${u}u < p.OW;`);
      for (const r of range(R)) {
        L.push(`        let d${r}_${u} = select(0.0, dY[yr + o${r} + ${u}u], ou${u});`);
      }
    }
    d = (r, u) => `d${r}_${u}`;
    for (const t of range(T)) {
      L.push(`        let vc${t} = i32(ox0 * ${S}u) + ${t - v.padW};`);
      L.push(`        let cv${t} = vc${t} >= 0 && vc${t} < i32(p.IW);`);
      L.push(`        let ci${t} = u32(clamp(vc${t}, 0, i32(p.IW) - 1));`);
    }
    x = (t) => `x${t}`;
  }
  for (const j of range(CI)) {
    for (const ky of range(KH)) {
      L.push(`        {`, `          let rb = xb + i${j} + ri${ky};`);
      if (v.vec4) {
        for (let k = k0; k <= k1; k++) {
          const id = k - k0;
          L.push(`          let v${id} = select(vec4f(0.0), X[rb + cq${id}], rv${ky} && cv${id});`);
        }
      } else {
        for (const t of range(T)) {
          L.push(`          let x${t} = select(0.0, X[rb + ci${t}], rv${ky} && cv${t});`);
        }
      }
      for (const r of range(R)) {
        for (const kx of range(KW)) {
          const acc = `s${r}_${j}_${ky * KW + kx}`;
          const terms = range(U).map((u) => `${acc} = fma(${d(r, u)}, ${x(u * S + kx)}, ${acc});`);
          L.push(`          ${terms.join(" ")}`);
        }
      }
      L.push(`        }`);
    }
  }
  L.push(`      }`, `    }`, `  }`, `  let db = p.dstOff + (g.z * p.groups + g.y) * p.dstStride;`);
  for (const r of range(R)) {
    for (const j of range(CI)) {
      const guard = [r > 0 ? `oc0 + ${r}u < p.OC` : "", j > 0 ? `ic0 + ${j}u < p.IC` : ""].filter(Boolean);
      const stores = range(KK).map((k) =>
        `dst[db + ((oc0 + ${r}u) * p.IC + ic0 + ${j}u) * ${KK}u + ${k}u] = s${r}_${j}_${k};`
      ).join(" ");
      L.push(guard.length ? `  if (${guard.join(" && ")}) { ${stores} }` : `  ${stores}`);
    }
  }
  L.push(`}`);
  return L.join("\n");
}
