/**
 * `deno task experiment [options]`: one experiment with the reference's command line (spec section 1).
 *
 * Every check (options, names, rule/attack parameters, result directory, dataset checksums, GPU) runs
 * before anything is written; a bad input prints one `[fatal]` line and exits with code 1.
 */
import {
  helpText,
  OptionsError,
  type ParsedCommandLine,
  parseExperimentArgs,
  UsageError,
  validateOptions,
} from "./cli/options.ts";
import { DatasetError } from "./data/dataset.ts";
import { acquireGpu, GpuUnavailableError } from "./gpu/device.ts";
import { resolveConfig } from "./cli/resolve.ts";
import { randomSeed } from "./data/rng.ts";

import { writeFileAtomic } from "./results/atomic.ts";
import { configJson, renderConfigTree } from "./results/config.ts";
import { checkResultDirectory, createResultDirectory, ResultDirectoryError } from "./results/directory.ts";
import { ResultWriter } from "./results/writer.ts";
import { CapacityError, Simulator } from "./train/simulator.ts";
import {
  checkFingerprint,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint as writeCheckpoint,
} from "./train/checkpoint.ts";
import { trimTable } from "./results/resume.ts";

const log = (context: string) => (line: string) => console.log(`[${context}] ${line}`);

async function main(argv: string[]): Promise<number> {
  const parsed = parseExperimentArgs(argv);
  if (parsed.kind === "help") {
    console.log(helpText());
    return 0;
  }
  const { options, extra } = parsed as ParsedCommandLine;
  for (const warning of validateOptions(options)) log("warning")(warning);
  if (options.user_input_delta > 0) {
    log("warning")("--user-input-delta: the interactive prompt of the reference is not supported; ignored");
  }
  if (options.checkpoint_delta > 0 && options.result_directory === null) {
    log("warning")("No result directory: checkpoints are disabled (--checkpoint-delta ignored)");
    options.checkpoint_delta = 0;
  }
  const checkpoint = options.load_checkpoint === null ? null : await loadCheckpoint(options.load_checkpoint);
  const directory = options.result_directory === null
    ? null
    : await checkResultDirectory(options.result_directory, checkpoint !== null);
  if (directory !== null) options.result_directory = directory;
  const seed = options.seed >= 0 ? options.seed : randomSeed();
  const config = await resolveConfig(options, extra, seed);
  const gpu = await acquireGpu();
  log("gpu")(`Adapter: ${gpu.description}`);
  const simulator = new Simulator(gpu, config);
  if (checkpoint !== null) {
    checkFingerprint(options.load_checkpoint!, checkpoint, simulator.fingerprint());
    simulator.restore(checkpoint);
  }

  const tree = renderConfigTree(options, parsed.floatKeys);
  for (const line of tree.split("\n")) log("cmdline")(line);
  if (directory !== null) {
    await createResultDirectory(directory);
    if (checkpoint === null) {
      await writeFileAtomic(`${directory}/config`, `${tree}\n`);
      await writeFileAtomic(`${directory}/config.json`, configJson(options, parsed.floatKeys));
    } else {
      // Rows from the checkpoint's step on are computed again (study rows < k, eval rows ≤ k are kept).
      const k = checkpoint.step;
      for (
        const [file, keep] of [["study", (t: number) => t < k], ["eval", (t: number) => t <= k]] as const
      ) {
        const dropped = await trimTable(`${directory}/${file}`, keep, String(k));
        if (dropped > 0) {
          log("warning")(`Resuming at step ${k}: ${dropped} later rows of '${file}' moved aside`);
        }
      }
    }
  }
  const writer = await ResultWriter.open(
    directory,
    {
      eval: config.evaluationDelta > 0,
      study: config.study,
      acceptation: config.acceptation,
      append: checkpoint !== null,
    },
    log("training"),
  );
  const saveCheckpoint = async () => {
    const path = `${directory}/checkpoint-${simulator.step}`;
    await writeCheckpoint(path, await simulator.snapshot());
    log("training")(`Saved '${path}'.`);
  };
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const started = performance.now(), first = simulator.step;
  const limit = options.nb_steps < 0 ? null : simulator.step + options.nb_steps;
  const interrupted = await simulator.run(limit, () => stopRequested, writer, {
    delta: options.checkpoint_delta,
    save: saveCheckpoint,
  });
  await writer.close();
  if (interrupted && directory !== null) await saveCheckpoint();
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  const seconds = (performance.now() - started) / 1000, done = simulator.step - first;
  log("training")(
    `${interrupted ? "Interrupted" : "Done"} at step ${simulator.step}: ${done} steps in ${
      seconds.toFixed(1)
    } s (${(seconds / Math.max(1, done)).toFixed(4)} s/step).`,
  );
  return 0;
}

/** Errors caused by what the user gave: one line, no stack trace. */
const USER_ERRORS = [
  UsageError,
  OptionsError,
  DatasetError,
  ResultDirectoryError,
  GpuUnavailableError,
  CheckpointError,
  CapacityError,
];

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    if (USER_ERRORS.some((kind) => error instanceof kind)) console.log(`[fatal] ${(error as Error).message}`);
    else console.error("[uncaught]", error);
    Deno.exitCode = 1;
  }
}
