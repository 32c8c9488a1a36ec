/**
 * `line_maximize` of the reference's `tools` (spec 11): a best-effort argmax of a function over x ≥ 0 using
 * exactly `max(evals, 1)` evaluations. The attacks' factor search (spec 7.2, 7.3) uses the defaults.
 *
 * The GPU version (`attacks/line_search_gpu.ts`, `shaders/attack_line_search.wgsl`) runs the same state
 * machine one evaluation at a time; `LineSearch` is that state machine in TypeScript.
 */

/** Parameters of the search (spec 11 defaults: start 0, delta 1, ratio 0.8). */
export interface LineSearchSettings {
  readonly start: number;
  readonly delta: number;
  readonly ratio: number;
}

/** The reference's defaults. */
export const LINE_SEARCH_DEFAULTS: LineSearchSettings = { start: 0, delta: 1, ratio: 0.8 };

/** Phase of the search: the first evaluation (of `start`), expansion, contraction. */
export enum Phase {
  Start = 0,
  Expand = 1,
  Contract = 2,
}

/**
 * The search as a resumable state machine: `x` is the point to evaluate next, `observe(y)` records f(x) and
 * moves `x` to the following proposal. After `evals` observations, `bestX` is the result.
 */
export class LineSearch {
  x: number;
  bestX: number;
  bestY = NaN;
  delta: number;
  phase = Phase.Start;

  /** Starts a search; the first proposal is `settings.start`. */
  constructor(private readonly settings: LineSearchSettings = LINE_SEARCH_DEFAULTS) {
    this.x = this.bestX = settings.start;
    this.delta = settings.delta;
  }

  /** Records y = f(x) and prepares the next proposal. */
  observe(y: number): void {
    // Python's `prop_y > best_y` is false whenever a NaN is involved.
    const better = y > this.bestY;
    if (this.phase === Phase.Start) {
      this.bestY = y;
      this.phase = Phase.Expand;
      this.x = this.bestX + this.delta;
      return;
    }
    if (this.phase === Phase.Expand) {
      if (better) {
        this.bestX = this.x;
        this.bestY = y;
        this.delta *= 2;
        this.x = this.bestX + this.delta;
        return;
      }
      this.delta *= this.settings.ratio;
      this.phase = Phase.Contract;
    } else {
      if (better) {
        this.bestX = this.x;
        this.bestY = y;
      }
      this.delta *= this.settings.ratio;
    }
    this.x = this.#contracted();
  }

  /** Next contraction proposal: step towards the best point, halving back into x ≥ 0 when needed. */
  #contracted(): number {
    if (this.x < this.bestX) return this.x + this.delta;
    let x = this.x - this.delta;
    while (x < 0) x = (x + this.x) / 2;
    return x;
  }
}

/**
 * Best-effort argmax of `f` over x ≥ 0 with exactly `max(evals, 1)` evaluations (spec 11; spec 13.4 lists
 * the evaluation points for f(x) = −(x−3)²).
 */
export function lineMaximize(
  f: (x: number) => number,
  evals = 16,
  settings: LineSearchSettings = LINE_SEARCH_DEFAULTS,
): number {
  const search = new LineSearch(settings);
  for (let i = 0; i < Math.max(evals, 1); i++) search.observe(f(search.x));
  return search.bestX;
}
