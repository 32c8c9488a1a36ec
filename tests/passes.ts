/**
 * Test harness shared by the model tests: one batch through a model's training passes, chained as the
 * gradient stage chains them (gather → forward → log-softmax + NLL → backward), recorded and submitted.
 */
import type { Gpu } from "../gpu/device.ts";
import { storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { type Dispatch, Recorder } from "../gpu/kernel.ts";
import type { Model, ModelPasses, PassOptions } from "../models/model.ts";
import { type BatchLayout, gather, type ImageFormat, nll } from "../ops/nn.ts";

/** A batch on the host: the dataset bytes and the batch words (sample entries, then per-worker counts). */
export interface HostBatch {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly words: Uint32Array;
  readonly layout: BatchLayout;
  readonly format: ImageFormat;
}

/** Buffers of one submitted pass, for checks and follow-up dispatches. */
export interface SubmittedPasses {
  readonly passes: ModelPasses;
  readonly batch: GPUBuffer;
  readonly sampleLoss: GPUBuffer;
}

/**
 * Builds `model`'s passes with `options` (training mode with `training`: its seed, and the step that seeds
 * the dropout masks), runs `data` through them plus the dispatches `after` returns, and submits.
 */
export function runTrainingPasses(
  gpu: Gpu,
  model: Model,
  data: HostBatch,
  options: Omit<PassOptions, "training">,
  training?: { readonly seed: number; readonly step: number },
  after: (submitted: SubmittedPasses) => Dispatch[] = () => [],
): SubmittedPasses {
  const { layout } = data;
  const batch = uploadBuffer(gpu, data.words, "batch");
  const passes = model.build(gpu, {
    ...options,
    training: training && { seed: training.seed, batch, countOffset: layout.cntOff },
  });
  if (training) passes.setStep?.(training.step);
  const targets = storageBuffer(gpu, layout.samples * 4, "targets");
  const sampleLoss = storageBuffer(gpu, layout.samples * 4, "sample-loss");
  const images = uploadBuffer(gpu, data.images, "images"), labels = uploadBuffer(gpu, data.labels, "labels");
  const submitted = { passes, batch, sampleLoss };
  const rec = new Recorder(gpu);
  for (
    const x of [
      gather(gpu, images, labels, batch, layout, data.format, passes.input, targets),
      ...passes.forward,
      nll(gpu, passes.logits, targets, batch, layout, model.classes, passes.dLogits!, sampleLoss),
      ...passes.backward,
      ...after(submitted),
    ]
  ) rec.run(x);
  rec.submit();
  return submitted;
}
