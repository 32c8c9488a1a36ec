/**
 * Plain TypeScript (f64) reference of the fully connected models of `models/mlp.ts`: Linear → ReLU → … →
 * Linear, log-softmax + mean NLL over a worker's batch, and the gradient w.r.t. the flat parameter vector in
 * parameter order (spec 5.1: f1.weight [w1×w0] row-major, f1.bias [w1], f2.weight [w2×w1], f2.bias, …).
 * Slow and simple on purpose: it is the oracle of the GPU passes in tests.
 */

/** Offsets of each layer's weight and bias in the flat vector, and the parameter count d. */
export function mlpLayout(widths: readonly number[]): { weight: number[]; bias: number[]; d: number } {
  const weight: number[] = [], bias: number[] = [];
  let at = 0;
  for (let l = 1; l < widths.length; l++) {
    weight.push(at);
    at += widths[l] * widths[l - 1];
    bias.push(at);
    at += widths[l];
  }
  return { weight, bias, d: at };
}

/**
 * Activations of the sample at `x[offset …]`: `acts[0]` = input, `acts[l]` = output of layer l (ReLU'd
 * except the last layer, whose output is the logits).
 */
export function mlpActivations(
  widths: readonly number[],
  theta: ArrayLike<number>,
  x: ArrayLike<number>,
  offset = 0,
): Float64Array[] {
  const { weight, bias } = mlpLayout(widths);
  const L = widths.length - 1;
  const acts = [Float64Array.from({ length: widths[0] }, (_, i) => x[offset + i])];
  for (let l = 1; l <= L; l++) {
    const [inW, outW] = [widths[l - 1], widths[l]];
    const h = acts[l - 1], z = new Float64Array(outW);
    for (let o = 0; o < outW; o++) {
      let sum = theta[bias[l - 1] + o];
      const w = weight[l - 1] + o * inW;
      for (let i = 0; i < inW; i++) sum += theta[w + i] * h[i];
      z[o] = l < L && !(sum > 0) ? 0 : sum;
    }
    acts.push(z);
  }
  return acts;
}

/** Mean NLL of log-softmax over the first `rows` samples of X (rows × widths[0]) and its flat gradient. */
export function mlpLossGradient(
  widths: readonly number[],
  theta: ArrayLike<number>,
  X: ArrayLike<number>,
  targets: ArrayLike<number>,
  rows: number,
): { loss: number; losses: Float64Array; logits: Float64Array; grad: Float64Array } {
  const { weight, bias, d } = mlpLayout(widths);
  const L = widths.length - 1, w0 = widths[0], classes = widths[L];
  const grad = new Float64Array(d),
    losses = new Float64Array(rows),
    logits = new Float64Array(rows * classes);
  for (let s = 0; s < rows; s++) {
    const acts = mlpActivations(widths, theta, X, s * w0);
    const z = acts[L], t = targets[s];
    logits.set(z, s * classes);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    losses[s] = lse - z[t];
    let delta = Float64Array.from(z, (v, c) => (Math.exp(v - lse) - (c === t ? 1 : 0)) / rows);
    for (let l = L; l >= 1; l--) {
      const [inW, outW] = [widths[l - 1], widths[l]];
      const h = acts[l - 1];
      for (let o = 0; o < outW; o++) {
        const w = weight[l - 1] + o * inW;
        for (let i = 0; i < inW; i++) grad[w + i] += delta[o] * h[i];
        grad[bias[l - 1] + o] += delta[o];
      }
      if (l > 1) {
        const dh = new Float64Array(inW);
        for (let o = 0; o < outW; o++) {
          const w = weight[l - 1] + o * inW;
          for (let i = 0; i < inW; i++) dh[i] += theta[w + i] * delta[o];
        }
        delta = Float64Array.from(dh, (g, i) => h[i] > 0 ? g : 0);
      }
    }
  }
  const loss = losses.reduce((a, v) => a + v, 0) / rows;
  return { loss, losses, logits, grad };
}
