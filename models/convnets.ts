/** The reference's convolutional models (spec 5.1), as layer lists for `cnn`. */
import type { Model } from "./model.ts";
import { cnn } from "./cnn.ts";

/**
 * `simples-conv` (MNIST, 431,080 parameters): Conv(1→20, 5×5) → ReLU → MaxPool 2 → Conv(20→50, 5×5) → ReLU
 * → MaxPool 2 → flatten (800) → Linear(800, 500) → ReLU → Linear(500, 10).
 */
export function simplesConv(): Model {
  return cnn("simples-conv", { channels: 1, height: 28, width: 28 }, [
    { kind: "conv", name: "c1", out: 20, k: 5, pad: 0 },
    { kind: "pool", k: 2 },
    { kind: "conv", name: "c2", out: 50, k: 5, pad: 0 },
    { kind: "pool", k: 2 },
    { kind: "linear", name: "f1", out: 500, relu: true },
    { kind: "linear", name: "f2", out: 10, relu: false },
  ]);
}

/**
 * `empire-cnn` (CIFAR-10, 1,310,922 parameters): two blocks of [Conv 3×3 pad 1 → ReLU → BatchNorm] × 2 →
 * MaxPool 2 → Dropout(0.25) with 64 then 128 channels, flatten (8192) → Linear(8192, 128) → ReLU →
 * Dropout(0.25) → Linear(128, 10). The activation comes before the BatchNorm, as in the reference.
 */
export function empireCnn(): Model {
  const block = (i: number, out: number) =>
    [
      { kind: "conv", name: `c${i}`, out, k: 3, pad: 1 },
      { kind: "bn", name: `b${i}` },
    ] as const;
  return cnn("empire-cnn", { channels: 3, height: 32, width: 32 }, [
    ...block(1, 64),
    ...block(2, 64),
    { kind: "pool", k: 2 },
    { kind: "dropout", p: 0.25 },
    ...block(3, 128),
    ...block(4, 128),
    { kind: "pool", k: 2 },
    { kind: "dropout", p: 0.25 },
    { kind: "linear", name: "f1", out: 128, relu: true },
    { kind: "dropout", p: 0.25 },
    { kind: "linear", name: "f2", out: 10, relu: false },
  ]);
}
