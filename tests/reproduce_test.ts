/**
 * `reproduce.ts`: the grid of spec 8 (dry-run counts), shards, filters, the `.pending` / rename logic, the
 * analysis of spec 8.1 on hand-made result directories, and an end-to-end kill and restart on a tiny
 * synthetic configuration (injected with `--set`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { datasetExperiments, DATASETS, fullGrid, inShard, matches, type Run } from "../reproduce/grid.ts";
import { parseReproduceArgs } from "../reproduce/options.ts";
import { configMismatch, markDone, resetPending, runDirectories, runStatus } from "../reproduce/store.ts";
import { analyse, formatAnalysis } from "../reproduce/analysis.ts";
import { ratioAxisMax } from "../reproduce/plots.ts";
import { experimentArgs, type Job } from "../reproduce/runner.ts";
import { formatDuration, Progress } from "../reproduce/progress.ts";
import { STUDY_COLUMNS } from "../results/columns.ts";

const REPRODUCE = new URL("../reproduce.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-run=deno", "--allow-ffi=./node_modules"];

/** Starts `reproduce.ts` with `args`. */
function reproduce(args: string[]): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: ["run", ...PERMISSIONS, "--allow-sys=cpus,networkInterfaces,hostname", REPRODUCE, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `reproduce.ts` to its end. */
async function reproduceOutput(args: string[]): Promise<{ code: number; stdout: string }> {
  const output = await reproduce(args).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("grid: 44 experiments per dataset, 220 runs each with 5 seeds, names as the spec", () => {
  const runs = fullGrid();
  assert.equal(runs.length, 440);
  for (const grid of DATASETS) {
    const experiments = datasetExperiments(grid);
    assert.equal(experiments.length, 44, grid.dataset);
    assert.equal(new Set(experiments.map((e) => e.name)).size, 44);
    assert.equal(runs.filter((r) => r.experiment.dataset === grid.dataset).length, 220);
  }
  const names = new Set(runs.map((r) => r.experiment.name));
  for (
    const name of [
      "mnist-average-n_27-lr_0.5",
      "mnist-average-n_39-lr_0.02",
      "mnist-little-krum-f_24-lr_0.5-at_update",
      "mnist-empire-bulyan-f_12-lr_0.02-at_worker",
      "cifar10-average-n_14-lr_0.01",
      "cifar10-empire-bulyan-f_5-lr_0.001-at_worker",
    ]
  ) assert.ok(names.has(name), name);
  assert.ok(!names.has("mnist-little-bulyan-f_24-lr_0.5-at_update"), "no bulyan for the larger f");
  const byName = new Map(runs.map((r) => [r.experiment.name, r.experiment.params]));
  assert.equal(byName.get("mnist-average-n_27-lr_0.5")!["nb-workers"], "27");
  assert.equal(byName.get("mnist-average-n_27-lr_0.5")!["gar"], undefined);
  const attacked = byName.get("cifar10-little-median-f_11-lr_0.001-at_worker")!;
  assert.deepEqual(
    [
      attacked["nb-workers"],
      attacked["nb-decl-byz"],
      attacked["nb-real-byz"],
      attacked["learning-rate-decay-delta"],
    ],
    ["25", "11", "11", "3000"],
  );
  assert.deepEqual(attacked["attack-args"], ["factor:1.5", "negative:True"]);
  assert.deepEqual(
    runs.slice(0, 5).map((r) => r.id),
    [1, 2, 3, 4, 5].map((s) => `mnist-average-n_27-lr_0.5-${s}`),
  );
});

Deno.test("reproduce --dry-run lists the grid with counts per dataset", async () => {
  const data = join(await Deno.makeTempDir(), "absent");
  const { code, stdout } = await reproduceOutput(["--dry-run", "--data-directory", data]);
  assert.equal(code, 0);
  assert.match(stdout, /^mnist: 220 runs \(44 experiments\): 0 done, 0 to resume, 220 to start$/m);
  assert.match(stdout, /^cifar10: 220 runs \(44 experiments\): 0 done, 0 to resume, 220 to start$/m);
  assert.match(stdout, /^Total: 440 runs \(88 experiments\)/m);
  assert.equal(stdout.split("\n").filter((line) => line.startsWith("  ")).length, 440);
  assert.ok(!(await exists(data)), "a dry run creates nothing");
  const quick = await reproduceOutput(["--dry-run", "--quick", "--data-directory", data]);
  assert.match(quick.stdout, /^mnist: 13 runs \(13 experiments\): 0 done, 0 to resume, 13 to start$/m);
});

Deno.test("shards: disjoint, covering, balanced and independent of the filters", () => {
  const runs = fullGrid();
  for (const n of [1, 2, 3, 7]) {
    const parts = Array.from({ length: n }, (_, k) => runs.filter((r) => inShard(r, { k: k + 1, n })));
    assert.equal(parts.reduce((sum, part) => sum + part.length, 0), runs.length);
    assert.equal(new Set(parts.flat().map((r) => r.id)).size, runs.length);
    const sizes = parts.map((part) => part.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${sizes}`);
  }
  const mnist = (r: Run) => matches(r, { datasets: ["mnist"] });
  const shard = { k: 2, n: 3 };
  assert.deepEqual(
    runs.filter((r) => mnist(r) && inShard(r, shard)).map((r) => r.id),
    runs.filter((r) => inShard(r, shard)).filter(mnist).map((r) => r.id),
  );
  assert.deepEqual(parseReproduceArgs(["--shard", "2/3"])!.shard, shard);
  assert.throws(() => parseReproduceArgs(["--shard", "4/3"]), /K\/N/);
});

Deno.test("filters: rule/attack/position select attacked runs and keep the unattacked ones", () => {
  const options = parseReproduceArgs(["--only", "mnist", "--rule", "median", "--seeds", "1-2", "--f", "12"])!;
  const runs = fullGrid().filter((r) => matches(r, options.filter));
  // Per lr: the unattacked run + median × 2 attacks × 2 positions, times 2 seeds.
  assert.equal(runs.length, 2 * (1 + 4) * 2);
  assert.ok(runs.every((r) => r.experiment.rule === "median" || r.experiment.attack === "none"));
  assert.ok(runs.every((r) => r.seed <= 2 && r.experiment.f === 12));
  assert.throws(() => parseReproduceArgs(["--only", "imagenet"]), /Unknown dataset 'imagenet'/);
  assert.deepEqual(parseReproduceArgs(["--set", "nb-steps=7", "--set", "attack-args=a:1 b:2"])!.overrides, {
    "nb-steps": "7",
    "attack-args": ["a:1", "b:2"],
  });
});

Deno.test("store: done only after the rename; leftovers restart, checkpoints resume", async () => {
  const data = await Deno.makeTempDir();
  const run = fullGrid()[7];
  const { final, pending } = runDirectories(data, run);
  assert.deepEqual(await runStatus(data, run), { kind: "start" });
  await resetPending(pending);
  await Deno.writeTextFile(join(pending, "study"), "# partial");
  assert.deepEqual(await runStatus(data, run), { kind: "start" }, "a leftover without checkpoint restarts");
  await resetPending(pending);
  assert.deepEqual([...Deno.readDirSync(pending)], [], "a restart wipes the leftovers");
  await Deno.writeTextFile(
    join(pending, "config.json"),
    `{\n\t"nb_steps": 300,\n\t"result_directory": "${pending}"\n}`,
  );
  for (const step of [20, 100]) await Deno.writeTextFile(join(pending, `checkpoint-${step}`), "");
  assert.deepEqual(await runStatus(data, run), {
    kind: "resume",
    checkpoint: join(pending, "checkpoint-100"),
    step: 100,
  });
  await markDone(pending, final);
  assert.deepEqual(await runStatus(data, run), { kind: "done" });
  assert.ok(!(await exists(pending)));
  assert.ok(!(await exists(join(final, "checkpoint-100"))), "checkpoints are removed once done");
  assert.match(
    await Deno.readTextFile(join(final, "config.json")),
    new RegExp(`"result_directory": "${final}"`),
  );
  assert.equal(await configMismatch(final, { "nb-steps": "300" }), null);
  // A resumed run gets the steps left and the checkpoint; the same seed and directory.
  const job = {
    run,
    params: { "nb-steps": "300", "attack-args": ["factor:1.5", "negative:True"] },
    status: { kind: "resume", checkpoint: "/c/checkpoint-100", step: 100 },
    steps: 300,
  } as const;
  const options = { dataDirectory: data, jobs: 1, checkpointDelta: 0, datasetDirectory: null };
  assert.deepEqual(experimentArgs(job, pending, options), [
    ...["--nb-steps", "200", "--attack-args", "factor:1.5", "negative:True", "--seed", String(run.seed)],
    ...["--result-directory", pending, "--compat", "reference-v1", "--load-checkpoint", "/c/checkpoint-100"],
  ]);
  assert.match((await configMismatch(final, { "nb-steps": "40" }))!, /nb_steps is 300, the grid asks 40/);
});

/** Writes a result directory with the given per-step honest deviation and norm and average loss. */
async function fakeRun(
  path: string,
  config: Record<string, unknown>,
  rows: readonly { loss: number; dev: number; norm: number }[],
): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
  await Deno.writeTextFile(join(path, "config"), "Configuration\n");
  await Deno.writeTextFile(join(path, "config.json"), JSON.stringify(config, null, "\t"));
  const study = rows.map((row, t) =>
    STUDY_COLUMNS.map((name) =>
      name === "Step number"
        ? String(t)
        : name === "Average loss"
        ? String(row.loss)
        : name.includes("deviation")
        ? String(row.dev)
        : name.includes("norm")
        ? String(row.norm)
        : "nan"
    ).join("\t")
  );
  await Deno.writeTextFile(join(path, "study"), [`# ${STUDY_COLUMNS.join("\t")}`, ...study].join("\n"));
  const evaluation = [0, rows.length].map((t) => `${t}\t0.5`);
  await Deno.writeTextFile(join(path, "eval"), ["# Step number\tCross-accuracy", ...evaluation].join("\n"));
}

Deno.test("analysis: counts the steps with the ratio under the rule's bound, as the reference prints", async () => {
  const data = await Deno.makeTempDir();
  const krum = { gar: "krum", nb_workers: 51, nb_decl_byz: 12, model: "simples-full", dataset: "mnist" };
  // krum (51, 12): squared bound 1.8140e-3; a deviation of 0.04 on a norm of 1 gives 1.6e-3 (enough).
  await fakeRun(join(data, "mnist-little-krum-f_12-lr_0.5-at_worker-1"), krum, [
    { loss: 2.3, dev: 0.04, norm: 1 },
    { loss: 2.0, dev: 0.04, norm: 1 },
    { loss: 2.4, dev: 0.04, norm: 1 }, // loss above the initial one: not counted
    { loss: 1.0, dev: 0.05, norm: 1 }, // 2.5e-3: not enough
  ]);
  await fakeRun(join(data, "mnist-little-krum-f_12-lr_0.5-at_update-1"), krum, [
    { loss: 2.3, dev: 1, norm: 1 },
    { loss: 2.0, dev: 1, norm: 1 },
  ]);
  await fakeRun(join(data, "mnist-average-n_39-lr_0.5-1"), { ...krum, gar: "average" }, [{
    loss: 2,
    dev: 0,
    norm: 1,
  }]);
  await fakeRun(join(data, "mnist-little-median-f_12-lr_0.5-at_worker-1.pending"), krum, [{
    loss: 2,
    dev: 0,
    norm: 1,
  }]);
  const warnings: string[] = [];
  const analysis = await analyse(data, (m) => warnings.push(m));
  assert.equal(
    formatAnalysis(analysis),
    [
      "·       mnist-little-krum-f_12-lr_0.5-at_update-1:    0/   2 (0.00%)",
      "·       mnist-little-krum-f_12-lr_0.5-at_worker-1:    2/   4 (50.00%)",
      "#experiments with ratio never validated:    1/   2 (50.00%)",
      "Maximum #steps with ratio validated:        2/   4 (50.00%)",
    ].join("\n"),
  );
  assert.deepEqual(warnings, []);
  assert.equal(
    formatAnalysis({ runs: [], never: 0, best: null }),
    "#experiments with ratio never validated:    0/   0 (n/a)\nMaximum #steps with ratio validated:     <no data>",
  );
});

Deno.test("plots: the ratio axis limit is the first of 1, 2, 6, 12 above the largest mean, else 20", () => {
  const curve = (max: number) => ({ steps: [0, 1], mean: [0, max], std: [0, 0] });
  assert.equal(ratioAxisMax(curve(0.5), curve(0.9)), 1);
  assert.equal(ratioAxisMax(curve(0.5), curve(1)), 2);
  assert.equal(ratioAxisMax(curve(7)), 12);
  assert.equal(ratioAxisMax(curve(12)), 20);
});

Deno.test("progress: plain lines without a terminal, with runs done / total and the time left", () => {
  const lines: string[] = [];
  const jobs: Job[] = fullGrid().slice(0, 3).map((run) => ({
    run,
    params: {},
    status: { kind: "start" },
    steps: 300,
  }));
  const progress = new Progress({ write: (t) => lines.push(t), tty: false, columns: 0 }, 5, 2, jobs, 1);
  progress.started(jobs[0], 0);
  progress.stepped(jobs[0], 150);
  progress.finished(jobs[0], { kind: "done", seconds: 120 });
  progress.started(jobs[1], 100);
  progress.finished(jobs[1], { kind: "failed", seconds: 3, reason: "[fatal] bad" });
  progress.close();
  assert.deepEqual(lines, [
    `[reproduce] start ${jobs[0].run.id}\n`,
    // 120 s for 300 steps: the two jobs left (600 steps) need 4 minutes.
    `[reproduce] done ${jobs[0].run.id} in 2m 00s (3/5 done, ETA 4m 00s)\n`,
    `[reproduce] start ${jobs[1].run.id} (resumes at step 100)\n`,
    `[reproduce] FAILED ${jobs[1].run.id} after 3s: [fatal] bad\n`,
  ]);
  assert.deepEqual([formatDuration(3725), formatDuration(65), formatDuration(NaN)], [
    "1h 02m",
    "1m 05s",
    "?",
  ]);
});

Deno.test("reproduce: killed in the middle of a run, a restart redoes only that run", async () => {
  const root = await Deno.makeTempDir();
  const data = join(root, "data");
  const tiny = [
    ...["--data-directory", data, "--only", "mnist", "--f", "12", "--lr", "0.5", "--seeds", "1"],
    ...["--rule", "median", "--attack", "little", "--at", "update", "--no-plot"],
    ...["dataset=synthetic", "nb-workers=7", "nb-decl-byz=1", "nb-real-byz=0", "batch-size=8"]
      .flatMap((s) => ["--set", s]),
    ...["batch-size-test=20", "batch-size-test-reps=1", "nb-steps=40", "metrics-readback=5"]
      .flatMap((s) => ["--set", s]),
  ];
  const [first, second] = ["mnist-average-n_39-lr_0.5-1", "mnist-little-median-f_12-lr_0.5-at_update-1"];
  const child = reproduce(tiny);
  const output = child.output();
  const started = performance.now();
  while (!(await exists(join(data, `${second}.pending`, "study")))) {
    assert.ok(performance.now() - started < 60_000, "the second run did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGTERM");
  const killed = await output;
  assert.equal(killed.code, 130, new TextDecoder().decode(killed.stdout));
  assert.ok(await exists(join(data, first, "study")), "the first run is done");
  assert.ok(!(await exists(join(data, second))), "the interrupted run is not done");
  const checkpoint = [...Deno.readDirSync(join(data, `${second}.pending`))].find((e) =>
    e.name.startsWith("checkpoint-")
  );
  assert.ok(checkpoint, "the interrupted run saved a checkpoint");
  const before = await Deno.stat(join(data, first, "stdout.log"));

  const again = await reproduceOutput(tiny);
  assert.equal(again.code, 0, again.stdout);
  const starts = again.stdout.split("\n").filter((line) => line.startsWith("[reproduce] start"));
  assert.deepEqual(starts, [
    `[reproduce] start ${second} (resumes at step ${checkpoint.name.slice("checkpoint-".length)})`,
  ]);
  assert.deepEqual(await Deno.stat(join(data, first, "stdout.log")), before, "the done run is untouched");
  const steps = (await Deno.readTextFile(join(data, second, "study"))).split("\n").slice(1).map((l) =>
    l.split("\t")[0]
  );
  assert.deepEqual(steps, Array.from({ length: 40 }, (_, t) => String(t)), "each step once, none lost");
  assert.match(again.stdout, /mnist-little-median-f_12-lr_0\.5-at_update-1: +\d+\/ {2}40/);
  assert.deepEqual([...Deno.readDirSync(data)].map((e) => e.name).sort(), [first, second]);
});
