/**
 * `study.ts` (spec 9): loading a result directory (study + eval outer-joined on the step), the derived columns
 * against the spec's facts (13.5 ratio, 13.6 learning rates, 13.7 training point count, 9 bounds), column
 * selection, mean/std over seeds, and a plot rendered to a PNG of the reference's size.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  computeAll,
  computeLr,
  computeRatio,
  DERIVED,
  discard,
  type Frame,
  linePlotSpec,
  loadSession,
  parseTable,
  ratioBound,
  savePlot,
  seedStatistics,
  select,
} from "../study.ts";
import { STUDY_COLUMNS } from "../results/columns.ts";
import { formatE8 } from "../results/format.ts";

const STUDY = new URL("../study.ts", import.meta.url).pathname;
const SYS = "--allow-sys=cpus,networkInterfaces,hostname";

/** A study file whose rows set the given columns (the others are NaN). */
function studyText(rows: readonly Record<string, number>[]): string {
  const records = rows.map((row, t) =>
    STUDY_COLUMNS.map((name) => name === "Step number" ? String(t) : formatE8(row[name] ?? NaN)).join("\t")
  );
  return [`# ${STUDY_COLUMNS.join("\t")}`, ...records].join("\n");
}

/** A result directory like a MNIST grid run (n = 51, f = 12, h = 39, 83 points per gradient). */
async function mnistRun(files: { eval?: boolean } = {}): Promise<string> {
  const path = join(await Deno.makeTempDir(), "mnist-little-krum-f_12-lr_0.5-at_worker-1");
  await Deno.mkdir(path);
  const json = {
    gar: "krum",
    nb_workers: 51,
    nb_decl_byz: 12,
    model: "simples-full",
    dataset: "mnist",
    learning_rate: 0.01,
    learning_rate_decay: 167,
    learning_rate_decay_delta: 1500,
  };
  await Deno.writeTextFile(join(path, "config"), "Configuration\n· #workers - 51\n");
  await Deno.writeTextFile(join(path, "config.json"), JSON.stringify(json, null, "\t"));
  const rows = [0, 1, 2].map((t) => ({
    "Training point count": 83 * 39 * t,
    "Average loss": 2.3 - t / 10,
    // Spec 13.5: deviation 2 and norm √13 of the average give the ratio (2/√13)² = 4/13.
    "Sampled gradient deviation": 2,
    "Sampled gradient norm": Math.sqrt(13),
    "Honest gradient deviation": 0.04 * (t + 1),
    "Honest gradient norm": 1,
  }));
  await Deno.writeTextFile(join(path, "study"), studyText(rows));
  if (files.eval !== false) {
    await Deno.writeTextFile(join(path, "eval"), "# Step number\tCross-accuracy\n0\t0.1135\n3\t0.9");
  }
  return path;
}

Deno.test("study: a result directory is config + config.json + study and eval outer-joined on the step", async () => {
  const path = await mnistRun();
  const session = await loadSession(path, (m) => assert.fail(m));
  assert.equal(session.name, "mnist-little-krum-f_12-lr_0.5-at_worker-1");
  assert.match(session.config!, /^Configuration/);
  assert.equal(session.json!.gar, "krum");
  assert.deepEqual(session.data.steps, [0, 1, 2, 3]);
  assert.deepEqual([...session.data.columns.get("Cross-accuracy")!], [0.1135, NaN, NaN, 0.9]);
  assert.deepEqual([...session.data.columns.get("Training point count")!], [0, 3237, 6474, NaN]);
  assert.equal(session.data.columns.size, STUDY_COLUMNS.length - 1 + 1);
});

Deno.test("study: a missing eval file is a warning, not an error (QUIRK 13 fixed)", async () => {
  const warnings: string[] = [];
  const session = await loadSession(await mnistRun({ eval: false }), (m) => warnings.push(m));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /has no 'eval' file/);
  assert.deepEqual(session.data.steps, [0, 1, 2]);
  await assert.rejects(loadSession(join(session.path, "absent")), /does not exist/);
});

Deno.test("study: derived columns (ratios, bound test, epoch, learning rate) match the spec's facts", async () => {
  const session = computeAll(await loadSession(await mnistRun()), (m) => assert.fail(m));
  const col = (name: string) => [...session.data.columns.get(name)!];
  assert.ok(
    col(DERIVED.sampledRatio).slice(0, 3).every((r) => Math.abs(r - 4 / 13) < 1e-8),
    "4/13 = 0.30769231",
  );
  // krum (51, 12): bound 0.042591, squared 1.8140e-3 (spec 9); honest ratios 1.6e-3, 6.4e-3, 1.44e-2.
  assert.ok(Math.abs(ratioBound(session.json!)! - 0.042591) < 1e-6);
  assert.deepEqual(col(DERIVED.ratioEnough), [1, 0, 0, 0]);
  assert.deepEqual(col(DERIVED.epoch).slice(0, 3), [0, 3237 / 60000, 6474 / 60000]);
  assert.deepEqual(col(DERIVED.learningRate), [0.01, 0.01, 0.01, 0.01]);
  const late = computeLr(
    { ...session, data: { steps: [1499, 1500, 2999, 3000], columns: new Map() } },
    (m) => assert.fail(m),
  );
  assert.deepEqual([...late.data.columns.get(DERIVED.learningRate)!], [
    0.01,
    0.0010017996400719857,
    0.0010017996400719857,
    0.01 / (3000 / 167 + 1),
  ]);
  const hyperbolic = computeLr(
    {
      ...session,
      json: { ...session.json, learning_rate_decay: 5000, learning_rate_decay_delta: 1 },
      data: { steps: [1, 100, 5000], columns: new Map() },
    },
    (m) => assert.fail(m),
  );
  assert.deepEqual([...hyperbolic.data.columns.get(DERIVED.learningRate)!], [
    0.009998000399920017,
    0.00980392156862745,
    0.005,
  ]);
});

Deno.test("study: grid bounds of spec 9, and no bound (never enough) for average", () => {
  const bound = (gar: string, n: number, f: number) =>
    ratioBound({ gar, nb_workers: n, nb_decl_byz: f, model: "simples-full" })!;
  for (
    const [gar, n, f, value] of [
      ["krum", 51, 24, 0.0056608],
      ["bulyan", 51, 12, 0.042591],
      ["krum", 25, 11, 0.017055],
      ["krum", 25, 5, 0.088763],
      ["median", 51, 24, 0.19245],
      ["median", 25, 5, 0.22361],
    ] as const
  ) assert.ok(Math.abs(bound(gar, n, f) - value) < 5e-6, `${gar} (${n}, ${f}): ${bound(gar, n, f)}`);
  assert.equal(ratioBound({ gar: "average", nb_workers: 27, nb_decl_byz: 24 }), undefined);
  assert.equal(ratioBound({ gar: "unknown-rule", nb_workers: 27, nb_decl_byz: 24 }), undefined);
});

Deno.test("study: never enough without a bound; without config.json no bound test", async () => {
  const path = await mnistRun();
  const json = JSON.parse(await Deno.readTextFile(join(path, "config.json")));
  await Deno.writeTextFile(join(path, "config.json"), JSON.stringify({ ...json, gar: "average" }));
  const warnings: string[] = [];
  const average = computeRatio(await loadSession(path), (m) => warnings.push(m));
  assert.deepEqual([...average.data.columns.get(DERIVED.ratioEnough)!], [0, 0, 0, 0]);
  assert.match(warnings[0], /no known bound/);
  await Deno.remove(join(path, "config.json"));
  const bare = computeRatio(await loadSession(path, () => {}), () => {});
  assert.ok(bare.data.columns.has(DERIVED.honestRatio) && !bare.data.columns.has(DERIVED.ratioEnough));
});

Deno.test("study: case-insensitive substring selection, discard, nan/inf fields", () => {
  const frame = parseTable(
    "# Step number\tCross-accuracy\tHonest ratio\tSampled ratio\n0\tnan\tinf\t-inf",
    "t",
  );
  assert.deepEqual([...select(frame, "RATIO").columns.keys()], ["Honest ratio", "Sampled ratio"]);
  assert.deepEqual([...select(frame, "sampled", "ratio").columns.keys()], ["Sampled ratio", "Honest ratio"]);
  assert.deepEqual([...select(frame).columns.keys()].length, 3);
  assert.deepEqual([...discard(frame, "acc").columns.keys()], ["Honest ratio", "Sampled ratio"]);
  assert.deepEqual([...frame.columns.values()].map((c) => c[0]), [NaN, Infinity, -Infinity]);
});

Deno.test("study: mean and population std over seeds after dropping NaN rows; unequal lengths throw", () => {
  const frame = (values: number[]): Frame => ({
    steps: values.map((_, i) => i * 5),
    columns: new Map([["Cross-accuracy", Float64Array.from(values)]]),
  });
  const stats = seedStatistics([frame([0.1, NaN, 0.5]), frame([0.3, NaN, 0.9])], "Cross-accuracy");
  assert.deepEqual(stats.steps, [0, 10]);
  assert.ok(Math.abs(stats.mean[0] - 0.2) < 1e-12 && Math.abs(stats.mean[1] - 0.7) < 1e-12);
  assert.ok(Math.abs(stats.std[0] - 0.1) < 1e-12 && Math.abs(stats.std[1] - 0.2) < 1e-12);
  assert.throws(() => seedStatistics([frame([0.1, 0.2]), frame([0.1])], "Cross-accuracy"), /rows/);
});

Deno.test("study: lines and bands are cut at the axis limits in data space, not by an SVG clip path", () => {
  const spec = linePlotSpec([{ label: "a", x: [0, 1, 2], y: [0, 4, 0], err: [1, 1, 1] }], {
    xlabel: "x",
    ylabel: "y",
    ymin: 0,
    ymax: 2,
  }) as unknown as { layer: { data: { values: Record<string, unknown>[] } }[] };
  const [band, line] = spec.layer.map((layer) => layer.data.values);
  assert.deepEqual(line.map((p) => [p.x, p.y]), [[0, 0], [0.5, 2], [1, null], [1.5, 2], [2, 0]]);
  // The band (y ± 1, with y = 4x then 8 − 4x) is clamped between the points where y − 1 or y + 1 cross 0 or 2.
  assert.deepEqual(band.map((p) => [p.x, p.lo, p.hi]), [
    [0, 0, 1],
    [0.25, 0, 2],
    [0.75, 2, 2],
    [1, 2, 2],
    [1.25, 2, 2],
    [1.75, 0, 2],
    [2, 0, 1],
  ]);
});

Deno.test("study: a plot renders to a 1524 × 762 PNG (7.62 × 3.81 in at 200 dpi)", async () => {
  const path = join(await Deno.makeTempDir(), "plot.png");
  const x = [0, 5, 10, 15];
  const svg = await savePlot(path, [
    { label: "No attack", x, y: [0.1, 0.5, 0.8, 0.9], err: [0, 0.05, 0.02, 0.01] },
    { label: "Krum", x, y: [0.1, 0.3, 0.4, 0.6] },
  ], { xlabel: "Step number", ylabel: "Top-1 cross-accuracy", xmin: 0, xmax: 15, ymin: 0, ymax: 1 });
  for (const text of ["Step number", "Top-1 cross-accuracy", "No attack", "Krum"]) {
    assert.ok(svg.includes(text), text);
  }
  const png = await Deno.readFile(path);
  assert.deepEqual([...png.subarray(1, 4)], [..."PNG"].map((c) => c.charCodeAt(0)));
  const header = new DataView(png.buffer, png.byteOffset + 16, 8);
  assert.deepEqual([header.getUint32(0), header.getUint32(4)], [1524, 762]);
});

Deno.test("study command: lists columns, prints them, averages seeds with --group", async () => {
  const first = await mnistRun();
  const second = join(first, "..", "mnist-little-krum-f_12-lr_0.5-at_worker-2");
  await Deno.mkdir(second);
  for (const file of ["config", "config.json", "study", "eval"]) {
    await Deno.copyFile(join(first, file), join(second, file));
  }
  const study = async (...args: string[]) => {
    const output = await new Deno.Command("deno", {
      args: ["run", "--allow-read", "--allow-write", "--allow-ffi=./node_modules", SYS, STUDY, ...args],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
  };
  const listed = await study(first, "-c", "ratio");
  assert.equal(listed.code, 0);
  assert.equal(
    listed.stdout.trim(),
    "mnist-little-krum-f_12-lr_0.5-at_worker-1 (4 rows): Sampled ratio, Honest ratio, Ratio enough for GAR?",
  );
  const table = await study(first, second, "--group", "-c", "honest ratio", "--table");
  assert.equal(table.code, 0);
  const lines = table.stdout.trim().split("\n");
  assert.deepEqual(lines.slice(0, 2), [
    "# mnist-little-krum-f_12-lr_0.5-at_worker",
    "## Honest ratio (mean, std over 2)",
  ]);
  assert.equal(lines.length, 2 + 3);
  assert.match(lines[2], /^0\t0\.0016\d*\t0$/);
  const bad = await study(first, "-c", "no such column", "--table");
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^\[fatal\] No column matches no such column/);
});
