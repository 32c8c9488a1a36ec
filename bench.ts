/**
 * `deno task bench`: time per training step of the simulator on this machine's WebGPU adapter.
 *
 * Default = the paper's MNIST grid configuration (n = 51, f = f_real = 24, batch 83, simples-full, study on
 * with 150 past gradients, evaluation every 5 steps), with the rule and attack given (defaults: the
 * strongest available of krum/little, else average/nan). Prints the median and the fastest time per step
 * over repeated blocks of steps after a warm-up (each block ends with a GPU drain), with and without
 * evaluations, and the peak resident memory. `--dataset synthetic` runs without the MNIST files.
 */
import { parseArgs } from "node:util";
import { acquireGpu } from "./gpu/device.ts";
import { drain } from "./gpu/kernel.ts";
import { loadDataset } from "./data/registry.ts";
import { getModel } from "./models/registry.ts";
import { getRule, ruleNames } from "./gar/registry.ts";
import { attackNames, getAttack } from "./attacks/registry.ts";
import { COMPAT, type TrainingConfig } from "./train/config.ts";
import { type Observer, Simulator } from "./train/simulator.ts";

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: "mnist" },
    gar: { type: "string" },
    attack: { type: "string" },
    workers: { type: "string", default: "51" },
    byzantine: { type: "string", default: "24" },
    steps: { type: "string", default: "20" },
    blocks: { type: "string", default: "5" },
    "no-study": { type: "boolean", default: false },
  },
});
const gar = values.gar ?? (ruleNames().includes("krum") ? "krum" : "average");
const attack = values.attack ?? (attackNames().includes("little") ? "little" : "nan");
const attackArgs = attack === "little" ? { factor: 1.5, negative: true } : {};
const n = Number(values.workers), f = Number(values.byzantine);
const steps = Number(values.steps), blocks = Number(values.blocks);

const gpu = await acquireGpu();
const dataset = await loadDataset(values.dataset!, { noTransform: false, seed: 1 });
const base: TrainingConfig = {
  seed: 1,
  workers: n,
  declaredByzantine: f,
  realByzantine: f,
  studySamples: 1,
  studyPast: 150,
  study: !values["no-study"],
  rule: getRule(gar),
  ruleArgs: {},
  attack: getAttack(attack),
  attackArgs,
  model: getModel("simples-full"),
  dataset,
  batchSize: 83,
  batchSizeTest: 100,
  batchSizeTestReps: 100,
  learningRate: 0.5,
  learningRateDecay: 5000,
  learningRateDecayDelta: 300,
  momentum: 0.9,
  dampening: 0,
  momentumAt: "update",
  nesterov: false,
  localSteps: 1,
  weightDecay: 0,
  l1: null,
  l2: 1e-4,
  gradientClip: 2,
  evaluationDelta: 5,
  topK: 1,
  compat: COMPAT["reference-v1"],
  behaviour: "reference-v1",
  readbackEvery: 50,
};
const quiet: Observer = { evaluated() {}, studied() {}, flush: () => Promise.resolve() };
let peak = 0;

/** Median and fastest time per step (ms) over `blocks` blocks of `steps` steps after a warm-up block. */
async function perStep(config: TrainingConfig): Promise<{ median: number; min: number }> {
  const sim = new Simulator(gpu, config);
  await sim.run(steps, () => false, quiet); // warm-up: compiles every pipeline
  await drain(gpu);
  const times: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const start = performance.now();
    await sim.run(sim.step + steps, () => false, quiet);
    await drain(gpu);
    times.push((performance.now() - start) / steps);
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0] };
}

console.log(`adapter: ${gpu.description}`);
console.log(
  `config: ${dataset.name}, simples-full, n=${n}, f=${f}, batch 83, gar ${gar}, attack ${attack}, study ${
    base.study ? "on" : "off"
  }`,
);
const withEval = await perStep(base);
const withoutEval = await perStep({ ...base, evaluationDelta: 0 });
const show = (t: { median: number; min: number }) =>
  `${t.median.toFixed(1)} ms (fastest block ${t.min.toFixed(1)} ms)`;
console.log(`step, evaluation every 5 steps amortised: ${show(withEval)}`);
console.log(`step, no evaluation: ${show(withoutEval)}`);
console.log(`peak RSS: ${(peak / 2 ** 20).toFixed(0)} MiB`);
