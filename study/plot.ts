/**
 * Line plots (`study.py`'s `LinePlot`): one line per series with an optional ±error band, drawn with
 * Vega-Lite, rendered headless to SVG by Vega and converted to PNG by resvg. The default size is the
 * reference's 7.62 × 3.81 in at 200 dpi (1524 × 762 px).
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

/** matplotlib's default colour cycle (C0, C1, …). */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

/** matplotlib's line styles `-`, `--`, `:`, `-.` as SVG dash arrays (for 2-unit wide lines). */
export const DASHES: readonly (readonly number[])[] = [[], [7.4, 3.2], [2, 3.3], [12.8, 3.2, 2, 3.2]];

/** One line of a plot. */
export interface Series {
  /** Legend label (distinct within a plot). */
  readonly label: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Half-width of the band drawn around the line (e.g. the standard deviation over seeds). */
  readonly err?: readonly number[];
  /** Colour index in `PALETTE` (default: the series' position). */
  readonly color?: number;
  /** Line style index in `DASHES` (default: the series' position). */
  readonly dash?: number;
}

/** Axes and rendering options of a plot. */
export interface PlotOptions {
  readonly xlabel: string;
  readonly ylabel: string;
  readonly title?: string;
  readonly xmin?: number;
  readonly xmax?: number;
  readonly ymin?: number;
  readonly ymax?: number;
  /** Line opacity (`lalp`, default 1); bands are drawn at 0.2. */
  readonly lineOpacity?: number;
  /** PNG size in pixels (default 1524 × 762). */
  readonly width?: number;
  readonly height?: number;
}

/** PNG pixels per SVG unit: the SVG is drawn at 100 units per inch, the PNG at 200 dpi. */
const ZOOM = 2;
const FONT = "DejaVu Sans";
/** Labels longer than this move the legend below the plot (one per line) instead of on its right. */
const SIDE_LABEL_MAX = 28;

/** One legend for colour and line style, outside the plot so that it never hides a line. */
function legend(labels: readonly string[]): Record<string, unknown> {
  const side = labels.every((label) => label.length <= SIDE_LABEL_MAX);
  return {
    title: null,
    symbolType: "stroke",
    labelLimit: 0,
    ...(side ? { orient: "right" } : { orient: "bottom", direction: "vertical" }),
  };
}

/** The x or y scale of the given limits (unset limits are fitted to the data). */
function scale(min: number | undefined, max: number | undefined): Record<string, unknown> {
  return {
    zero: false,
    nice: min === undefined || max === undefined,
    ...(min === undefined ? {} : { domainMin: min }),
    ...(max === undefined ? {} : { domainMax: max }),
  };
}

/** The points where a curve crosses a limit, as fractions in (0, 1) of the segment from `a` to `b`. */
function crossings(a: number, b: number, limits: readonly number[]): number[] {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return [];
  return limits.filter((c) => Number.isFinite(c) && (a - c) * (b - c) < 0).map((c) => (c - a) / (b - a));
}

/**
 * Adds to curves sharing `x` the points where any of them crosses a limit, so that every segment lies
 * entirely inside or outside the plot: the plot is then cut in data space (resvg mis-renders SVG clip paths
 * around geometry far outside them).
 */
function refine(
  x: readonly number[],
  curves: readonly (readonly number[])[],
  xLimits: readonly number[],
  yLimits: readonly number[],
): { x: number[]; curves: number[][] } {
  const out = { x: [] as number[], curves: curves.map(() => [] as number[]) };
  const push = (i: number, t: number) => {
    const at = (v: readonly number[]) => t === 0 ? v[i] : v[i] + t * (v[i + 1] - v[i]);
    out.x.push(at(x));
    curves.forEach((curve, k) => out.curves[k].push(at(curve)));
  };
  for (let i = 0; i < x.length; i++) {
    push(i, 0);
    if (i + 1 === x.length) break;
    const ts = [
      ...crossings(x[i], x[i + 1], xLimits),
      ...curves.flatMap((curve) => crossings(curve[i], curve[i + 1], yLimits)),
    ];
    for (const t of [...new Set(ts)].sort((a, b) => a - b)) push(i, t);
  }
  return out;
}

/** The Vega-Lite specification of a line plot. */
export function linePlotSpec(series: readonly Series[], options: PlotOptions): vl.TopLevelSpec {
  const labels = series.map((s) => s.label);
  if (new Set(labels).size !== labels.length) {
    throw new Error(`Duplicate series labels: ${labels.join(", ")}`);
  }
  const [x0, x1] = [options.xmin ?? -Infinity, options.xmax ?? Infinity];
  const [y0, y1] = [options.ymin ?? -Infinity, options.ymax ?? Infinity];
  const slack = (lo: number, hi: number) => 1e-9 * (Number.isFinite(hi - lo) ? hi - lo : 1);
  const inside = (v: number, lo: number, hi: number) =>
    Number.isFinite(v) && v >= lo - slack(lo, hi) && v <= hi + slack(lo, hi);
  const lines = series.flatMap((s) => {
    const cut = refine(s.x, [s.y], [x0, x1], [y0, y1]);
    return cut.x.map((x, i) => {
      const y = cut.curves[0][i];
      return { series: s.label, x, y: inside(x, x0, x1) && inside(y, y0, y1) ? y : null };
    });
  });
  const band = (s: Series) => {
    const cut = refine(s.x, [s.y.map((y, i) => y - s.err![i]), s.y.map((y, i) => y + s.err![i])], [x0, x1], [
      y0,
      y1,
    ]);
    const clamp = (v: number) => Math.min(y1, Math.max(y0, v));
    return cut.x.flatMap((x, i) => {
      const [lo, hi] = [cut.curves[0][i], cut.curves[1][i]];
      return inside(x, x0, x1) && Number.isFinite(lo) && Number.isFinite(hi)
        ? [{ x, lo: clamp(lo), hi: clamp(hi) }]
        : [];
    });
  };
  const colors = series.map((s, i) => PALETTE[(s.color ?? i) % PALETTE.length]);
  const dashes = series.map((s, i) => DASHES[(s.dash ?? i) % DASHES.length]);
  const x = {
    field: "x",
    type: "quantitative",
    title: options.xlabel,
    scale: scale(options.xmin, options.xmax),
    axis: { tickCount: 8 },
  } as const;
  const yScale = scale(options.ymin, options.ymax);
  const color = { field: "series", type: "nominal", scale: { domain: labels, range: colors } } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: (options.width ?? 1524) / ZOOM,
    height: (options.height ?? 762) / ZOOM,
    autosize: { type: "fit", contains: "padding" },
    padding: 6,
    background: "white",
    ...(options.title ? { title: options.title } : {}),
    config: {
      font: FONT,
      axis: {
        labelFontSize: 13,
        titleFontSize: 15,
        titleFontWeight: "normal",
        grid: true,
        gridColor: "#ddd",
      },
      legend: { labelFontSize: 13, symbolStrokeWidth: 2, symbolSize: 300 },
      title: { fontSize: 16 },
      view: { stroke: "#555" },
    },
    layer: [
      // One band layer per series, in the series' colour, so that bands stay out of the legend.
      ...series.filter((s) => s.err).map((s) => ({
        data: { values: band(s) },
        mark: { type: "area", opacity: 0.2, color: colors[labels.indexOf(s.label)] },
        encoding: {
          x,
          y: { field: "lo", type: "quantitative", title: options.ylabel, scale: yScale },
          y2: { field: "hi" },
        },
      })),
      {
        data: { values: lines },
        mark: { type: "line", opacity: options.lineOpacity ?? 1, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: "y", type: "quantitative", title: options.ylabel, scale: yScale },
          color: { ...color, legend: legend(labels) },
          strokeDash: {
            field: "series",
            type: "nominal",
            scale: { domain: labels, range: dashes },
            legend: legend(labels),
          },
        },
      },
    ],
  } as vl.TopLevelSpec;
}

/** Renders a Vega-Lite specification to SVG (headless, no DOM). */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Converts SVG (drawn at 100 units per inch) to a 200-dpi PNG, with the system's DejaVu fonts. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: ZOOM },
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
  });
  return resvg.render().asPng();
}

/** Draws `series` and writes the PNG to `path`; returns the SVG. */
export async function savePlot(
  path: string,
  series: readonly Series[],
  options: PlotOptions,
): Promise<string> {
  const svg = await renderSvg(linePlotSpec(series, options));
  await Deno.writeFile(path, svgToPng(svg));
  return svg;
}
