/**
 * Column names of the result tables (spec 2.2 and 4), exactly as the reference writes them.
 */

/** `eval` columns. */
export const EVAL_COLUMNS = ["Step number", "Cross-accuracy"] as const;

/** `study` columns: the step, the training point count and the 21 metrics computed on the GPU. */
export const STUDY_COLUMNS = [
  "Step number",
  "Training point count",
  "Average loss",
  "l2 from origin",
  "Sampled gradient deviation",
  "Honest gradient deviation",
  "Attack gradient deviation",
  "Sampled gradient norm",
  "Honest gradient norm",
  "Attack gradient norm",
  "Defense gradient norm",
  "Sampled max coordinate",
  "Honest max coordinate",
  "Attack max coordinate",
  "Defense max coordinate",
  "Sampled-honest cosine",
  "Sampled-attack cosine",
  "Sampled-defense cosine",
  "Honest-attack cosine",
  "Honest-defense cosine",
  "Attack-defense cosine",
  "Sampled-prev cosine",
  "Sampled composite curvature",
] as const;

/** The later reference's 24th `study` column (spec 12.1), written with `--attack-acceptation`. */
export const ACCEPTATION_COLUMN = "Attack acceptation ratio";
