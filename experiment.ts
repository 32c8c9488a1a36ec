/**
 * `deno task experiment [options]`: one experiment with the reference's command line (spec section 1).
 *
 * Every check (options, names, rule/attack parameters, result directory, dataset checksums, GPU) runs
 * before anything is written; a bad input prints one `[fatal]` line and exits with code 1.
 */
import { helpText, type ParsedCommandLine, parseExperimentArgs, validateOptions } from "./cli/options.ts";
import { resolveConfig } from "./cli/resolve.ts";
import { randomSeed } from "./data/rng.ts";
import { acquireGpu } from "./gpu/device.ts";
import { writeFileAtomic } from "./results/atomic.ts";
import { configJson, renderConfigTree } from "./results/config.ts";
import { checkResultDirectory, createResultDirectory } from "./results/directory.ts";
import { ResultWriter } from "./results/writer.ts";
import { Simulator } from "./train/simulator.ts";

const log = (context: string) => (line: string) => console.log(`[${context}] ${line}`);

async function main(argv: string[]): Promise<number> {
  const parsed = parseExperimentArgs(argv);
  if (parsed.kind === "help") {
    console.log(helpText());
    return 0;
  }
  const { options, extra } = parsed as ParsedCommandLine;
  for (const warning of validateOptions(options)) log("warning")(warning);
  const directory = options.result_directory === null
    ? null
    : await checkResultDirectory(options.result_directory);
  if (directory !== null) options.result_directory = directory;
  const seed = options.seed >= 0 ? options.seed : randomSeed();
  const config = await resolveConfig(options, extra, seed);
  const gpu = await acquireGpu();
  log("gpu")(`Adapter: ${gpu.description}`);

  const tree = renderConfigTree(options, parsed.floatKeys);
  for (const line of tree.split("\n")) log("cmdline")(line);
  if (directory !== null) {
    await createResultDirectory(directory);
    await writeFileAtomic(`${directory}/config`, `${tree}\n`);
    await writeFileAtomic(`${directory}/config.json`, configJson(options, parsed.floatKeys));
  }

  const simulator = new Simulator(gpu, config);
  const writer = await ResultWriter.open(
    directory,
    { eval: config.evaluationDelta > 0, study: config.study },
    log("training"),
  );
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const started = performance.now();
  const limit = options.nb_steps < 0 ? null : options.nb_steps;
  const interrupted = await simulator.run(limit, () => stopRequested, writer);
  await writer.close();
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  const seconds = (performance.now() - started) / 1000;
  log("training")(
    `${interrupted ? "Interrupted" : "Done"} after ${simulator.step} steps in ${seconds.toFixed(1)} s (${
      (seconds / Math.max(1, simulator.step)).toFixed(4)
    } s/step).`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    console.log(`[fatal] ${(error as Error).message}`);
    Deno.exitCode = 1;
  }
}
