/**
 * Checkpoints: a run resumed from step k reproduces the uninterrupted run's files byte for byte, and
 * SIGINT stops a run cleanly with a checkpoint.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { syntheticDataset } from "../data/synthetic.ts";
import { cnn } from "../models/cnn.ts";
import { getRule } from "../gar/registry.ts";
import { getAttack } from "../attacks/registry.ts";
import { COMPAT, type TrainingConfig } from "../train/config.ts";
import { type Observer, Simulator } from "../train/simulator.ts";

const EXPERIMENT = new URL("../experiment.ts", import.meta.url).pathname;

function command(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", EXPERIMENT, ...args],
    stdout: "piped",
    stderr: "piped",
  });
}

async function experiment(args: string[]): Promise<string> {
  const output = await command(args).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, `${stdout}\n${new TextDecoder().decode(output.stderr)}`);
  return stdout;
}

const COMMON = [
  "--model",
  "simples-full",
  "--dataset",
  "mnist",
  "--nb-workers",
  "6",
  "--nb-decl-byz",
  "1",
  "--nb-real-byz",
  "1",
  "--batch-size",
  "16",
  "--batch-size-test",
  "40",
  "--batch-size-test-reps",
  "3",
  "--learning-rate",
  "0.2",
  "--evaluation-delta",
  "2",
  "--nb-for-study",
  "8",
  "--nb-for-study-past",
  "3",
  "--seed",
  "5",
  "--metrics-readback",
  "4",
  "--gradient-clip",
  "1",
];

for (
  const variant of [["--momentum-at", "worker"], ["--momentum-at", "update", "--compat", "reference-v1"], [
    "--momentum-at",
    "server",
  ]]
) {
  Deno.test(`checkpoint: k steps + resume to 2k equals 2k steps (${variant.join(" ")})`, async () => {
    const root = await Deno.makeTempDir();
    const k = 5;
    await experiment([
      ...COMMON,
      ...variant,
      "--nb-steps",
      String(2 * k),
      "--result-directory",
      `${root}/whole`,
    ]);
    await experiment([
      ...COMMON,
      ...variant,
      "--nb-steps",
      String(k),
      "--checkpoint-delta",
      String(k),
      "--result-directory",
      `${root}/parts`,
    ]);
    const resumed = await experiment([
      ...COMMON,
      ...variant,
      "--nb-steps",
      String(k),
      "--load-checkpoint",
      `${root}/parts/checkpoint-${k}`,
      "--result-directory",
      `${root}/parts`,
    ]);
    assert.match(resumed, new RegExp(`Done at step ${2 * k}`));
    for (const file of ["study", "eval"]) {
      const whole = await Deno.readTextFile(`${root}/whole/${file}`);
      assert.equal(await Deno.readTextFile(`${root}/parts/${file}`), whole, file);
    }
    await Deno.remove(root, { recursive: true });
  });
}

Deno.test("checkpoint: a checkpoint of another configuration is refused", async () => {
  const root = await Deno.makeTempDir();
  await experiment([
    ...COMMON,
    "--nb-steps",
    "1",
    "--checkpoint-delta",
    "1",
    "--result-directory",
    `${root}/a`,
  ]);
  const output = await command([
    ...COMMON,
    "--nb-workers",
    "7",
    "--nb-steps",
    "1",
    "--load-checkpoint",
    `${root}/a/checkpoint-1`,
  ]).output();
  assert.equal(output.code, 1);
  assert.match(
    new TextDecoder().decode(output.stdout),
    /\[fatal\] Unable to load checkpoint .*workers is 6 there, 7 here/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("checkpoint: SIGINT stops at the end of a step, writes a checkpoint, exits 0", async () => {
  const root = await Deno.makeTempDir();
  const dir = `${root}/run`;
  const child = command([...COMMON, "--nb-steps", "-1", "--metrics-readback", "2", "--result-directory", dir])
    .spawn();
  // Wait until some steps are on disk, then interrupt.
  for (let i = 0; i < 600; i++) {
    const study = await Deno.readTextFile(`${dir}/study`).catch(() => "");
    if (study.split("\n").length > 6) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGINT");
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, stdout);
  const match = stdout.match(/Interrupted at step (\d+)/);
  assert.ok(match, stdout);
  const t = Number(match[1]);
  assert.ok((await Deno.stat(`${dir}/checkpoint-${t}`)).isFile);
  const study = (await Deno.readTextFile(`${dir}/study`)).split("\n").slice(1);
  assert.deepEqual(study.map((row) => Number(row.split("\t")[0])), Array.from({ length: t }, (_, i) => i));
  const evals = (await Deno.readTextFile(`${dir}/eval`)).split("\n").slice(1).map((row) =>
    Number(row.split("\t")[0])
  );
  assert.deepEqual(evals, Array.from({ length: Math.floor(t / 2) + 1 }, (_, i) => 2 * i));
  await Deno.remove(root, { recursive: true });
});

Deno.test("checkpoint: training-mode BatchNorm running statistics are trained, saved and restored (local steps)", async () => {
  const gpu = await acquireGpu();
  const shape = { channels: 1, height: 6, width: 5 };
  const model = cnn("tiny-bn", shape, [
    { kind: "conv", name: "c1", out: 4, k: 3, pad: 1 },
    { kind: "bn", name: "b1" },
    { kind: "pool", k: 2 },
    { kind: "linear", name: "f1", out: 3, relu: false },
  ]);
  const config: TrainingConfig = {
    seed: 3,
    workers: 4,
    declaredByzantine: 1,
    realByzantine: 1,
    studySamples: 0,
    studyPast: 0,
    study: false,
    rule: getRule("median"),
    ruleArgs: {},
    attack: getAttack("little"),
    attackArgs: { factor: 1.5, negative: true },
    model,
    dataset: syntheticDataset("tiny", { ...shape, classes: 3, trainCount: 50, testCount: 30 }, 4),
    batchSize: 4,
    batchSizeTest: 10,
    batchSizeTestReps: 3,
    learningRate: 0.1,
    learningRateDecay: 0,
    learningRateDecayDelta: 1,
    momentum: 0.9,
    dampening: 0,
    momentumAt: "worker",
    nesterov: false,
    // Local steps: the workers compute at their own parameter rows, not at θ, and must still train the
    // statistics the evaluation reads.
    localSteps: 2,
    weightDecay: 0,
    l1: null,
    l2: null,
    gradientClip: null,
    evaluationDelta: 1,
    topK: 1,
    compat: COMPAT.corrected,
    behaviour: "corrected",
    readbackEvery: 2,
  };
  const run = async (resumeAt?: number) => {
    const evals: number[] = [];
    const observer: Observer = {
      evaluated: (_step, correct) => evals.push(correct),
      studied: () => {},
      flush: () => Promise.resolve(),
    };
    let sim = new Simulator(gpu, config);
    if (resumeAt !== undefined) {
      await sim.run(resumeAt, () => false, observer);
      const saved = await sim.snapshot();
      sim = new Simulator(gpu, config);
      sim.restore(saved);
    }
    await sim.run(4, () => false, observer);
    return { evals, buffers: (await sim.snapshot()).buffers };
  };
  const whole = await run(), resumed = await run(2);
  const state = whole.buffers["model-state"];
  assert.ok(state, "the checkpoint holds the running statistics");
  assert.notDeepEqual(Array.from(state), Array.from(model.initialState!()), "the statistics were trained");
  assert.deepEqual(Object.keys(resumed.buffers).sort(), Object.keys(whole.buffers).sort());
  for (const [name, data] of Object.entries(whole.buffers)) {
    assert.deepEqual(new Uint8Array(resumed.buffers[name].buffer), new Uint8Array(data.buffer), name);
  }
  assert.deepEqual(resumed.evals.slice(-2), whole.evals.slice(-2), "evaluations after the resume");
});
