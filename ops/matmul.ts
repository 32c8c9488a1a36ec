/**
 * Batched strided matrix product: TypeScript reference and GPU dispatch (kernel in shaders/matmul.ts).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import { matmulTiling } from "../gpu/tuning.ts";
import { MATMUL_PARAMS, matmulWgsl } from "../shaders/matmul.ts";

/** How an operand is laid out: element (b, i, j) sits at `off + b·batch + i·row + j·col`. */
export interface Layout {
  readonly off: number;
  readonly batch: number;
  readonly row: number;
  readonly col: number;
}

/** One batched product `C[b] = A[b]·B[b]` (M×K times K×N), optional bias over columns and ReLU. */
export interface MatmulShape {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batch: number;
  readonly a: Layout;
  readonly b: Layout;
  /** Output layout; its column stride must be 1. */
  readonly c: Omit<Layout, "col">;
  readonly biasOff?: number;
  /** Distance between the biases of consecutive batch elements (0: one shared bias). */
  readonly biasBatch?: number;
  readonly relu?: boolean;
}

/** Row-major layout helper: a matrix of `cols` columns, optionally one of a batch of `batch` elements. */
export function rowMajor(cols: number, off = 0, batch = 0): Layout {
  return { off, batch, row: cols, col: 1 };
}

/** The transpose of a row-major matrix with `cols` columns (so element (i, j) is M[j][i]). */
export function transposed(cols: number, off = 0, batch = 0): Layout {
  return { off, batch, row: 1, col: cols };
}

/** Plain TypeScript reference (f64 accumulation). */
export function matmulRef(
  s: MatmulShape,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  bias?: Float32Array,
): void {
  for (let b = 0; b < s.batch; b++) {
    for (let i = 0; i < s.M; i++) {
      for (let j = 0; j < s.N; j++) {
        let sum = 0;
        for (let k = 0; k < s.K; k++) {
          sum += A[s.a.off + b * s.a.batch + i * s.a.row + k * s.a.col] *
            B[s.b.off + b * s.b.batch + k * s.b.row + j * s.b.col];
        }
        if (bias) sum += bias[(s.biasOff ?? 0) + b * (s.biasBatch ?? 0) + j];
        if (s.relu) sum = Math.max(sum, 0);
        C[s.c.off + b * s.c.batch + i * s.c.row + j] = sum;
      }
    }
  }
}

/** Binds the product on the GPU; `bias` switches the bias epilogue on. */
export function matmul(
  gpu: Gpu,
  s: MatmulShape,
  A: GPUBuffer,
  B: GPUBuffer,
  C: GPUBuffer,
  bias?: GPUBuffer,
): Dispatch {
  const t = matmulTiling(gpu, s.M, s.N, s.K, s.batch);
  const variant = { rows: t.rows, cols: t.cols, bias: bias !== undefined, relu: s.relu ?? false };
  const values: Record<(typeof MATMUL_PARAMS)[number], number> = {
    M: s.M,
    N: s.N,
    K: s.K,
    aOff: s.a.off,
    aBatch: s.a.batch,
    aRow: s.a.row,
    aCol: s.a.col,
    bOff: s.b.off,
    bBatch: s.b.batch,
    bRow: s.b.row,
    bCol: s.b.col,
    cOff: s.c.off,
    cBatch: s.c.batch,
    cRow: s.c.row,
    biasOff: s.biasOff ?? 0,
    biasBatch: s.biasBatch ?? 0,
  };
  const params = new Params();
  for (const f of MATMUL_PARAMS) params.u32(values[f]);
  const spec = {
    shader: `matmul-${t.rows}x${t.cols}${variant.bias ? "-bias" : ""}${variant.relu ? "-relu" : ""}`,
    code: matmulWgsl(variant),
    constants: { WX: t.wx, WY: t.wy },
  };
  const buffers = [params.create(gpu, "matmul-params"), A, B, C, ...(bias ? [bias] : [])];
  const gx = Math.ceil(Math.ceil(s.N / t.cols) / t.wx);
  const gy = Math.ceil(Math.ceil(s.M / t.rows) / t.wy);
  return bind(gpu, spec, buffers, [gx, gy, s.batch]);
}
