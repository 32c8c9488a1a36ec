/**
 * One self-contained HTML report of the grid: a table of summary statistics per experiment, the printed ratio
 * analysis, and every plot embedded as a PNG data URI.
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { column } from "../study/frame.ts";
import type { Analysis } from "./analysis.ts";
import { formatAnalysis } from "./analysis.ts";
import { ACCURACY, type ExperimentCurves, type PlotFile } from "./plots.ts";

/** Summary statistics of one experiment over its seeds. */
export interface ExperimentSummary {
  readonly name: string;
  readonly seeds: number;
  /** Accuracy at the last evaluation: mean and population std over the seeds. */
  readonly finalAccuracy: readonly [number, number];
  /** Best accuracy of each seed: mean and population std. */
  readonly maxAccuracy: readonly [number, number];
  /** Mean over the seeds of the percentage of steps with the ratio validated (NaN without a bound). */
  readonly ratioValidated: number;
}

/** Mean and population standard deviation. */
function meanStd(values: readonly number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)];
}

/** Summaries of the plotted experiments, using the analysis for the ratio column. */
export function summarize(curves: readonly ExperimentCurves[], analysis: Analysis): ExperimentSummary[] {
  return curves.map((c) => {
    const n = c.accuracy.mean.length;
    const percents = analysis.runs.filter((run) => run.name.replace(/-\d+$/, "") === c.experiment.name)
      .map((run) => run.percent);
    return {
      name: c.experiment.name,
      seeds: c.frames.length,
      finalAccuracy: [c.accuracy.mean[n - 1], c.accuracy.std[n - 1]] as const,
      maxAccuracy: meanStd(c.frames.map((frame) => Math.max(...column(frame, ACCURACY).values))),
      ratioValidated: percents.length === 0 ? NaN : meanStd(percents)[0],
    };
  }).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

const escape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** `0.9512 ± 0.0031`. */
const pm = ([mean, std]: readonly [number, number]) => `${mean.toFixed(4)} ± ${std.toFixed(4)}`;

/** Writes `report.html` into the plot directory; returns its path. */
export async function writeReport(
  plotDirectory: string,
  plots: readonly PlotFile[],
  summaries: readonly ExperimentSummary[],
  analysis: Analysis,
): Promise<string> {
  const rows = summaries.map((s) =>
    `<tr><td>${escape(s.name)}</td><td>${s.seeds}</td><td>${pm(s.finalAccuracy)}</td><td>${
      pm(s.maxAccuracy)
    }</td><td>${Number.isNaN(s.ratioValidated) ? "–" : `${s.ratioValidated.toFixed(2)} %`}</td></tr>`
  );
  const figures: string[] = [];
  for (const dataset of [...new Set(plots.map((p) => p.dataset))]) {
    figures.push(`<h2>${escape(dataset)}</h2>`);
    for (const plot of plots.filter((p) => p.dataset === dataset)) {
      const png = Buffer.from(await Deno.readFile(join(plotDirectory, plot.file))).toString("base64");
      figures.push(
        `<figure><img src="data:image/png;base64,${png}" alt="${escape(plot.file)}">` +
          `<figcaption><code>${escape(plot.file)}</code>: ${escape(plot.caption)}</figcaption></figure>`,
      );
    }
  }
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Distributed momentum: reproduced results</title>
<style>
body { font-family: "DejaVu Sans", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td:nth-child(n+2) { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f3f3f3; }
figure { margin: 1.5em 0; } img { width: 100%; border: 1px solid #eee; } figcaption { font-size: 0.9em; }
pre { font-size: 0.8em; overflow-x: auto; background: #f8f8f8; padding: 0.8em; }
</style></head><body>
<h1>Distributed Momentum for Byzantine-resilient Learning: reproduced results</h1>
<p>Mean ± population standard deviation over the seeds. Top-1 cross-accuracy from the <code>eval</code> files;
the last column is the share of steps where the honest variance-norm ratio is below the rule's bound.</p>
<table><thead><tr><th>Experiment</th><th>Seeds</th><th>Final accuracy</th><th>Best accuracy</th>
<th>Ratio validated</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<h2>Ratio analysis</h2>
<pre>${escape(formatAnalysis(analysis))}</pre>
${figures.join("\n")}
</body></html>
`;
  const path = join(plotDirectory, "report.html");
  await Deno.writeTextFile(path, html);
  return path;
}
