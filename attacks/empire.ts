/**
 * `empire` ("Fall of empires", spec 7.2): f_real copies of avg + factor·(−avg), e.g. `factor:1.1` submits
 * −0.1·avg. See `empire_strict.ts` for the paper's exact form.
 */
import { Direction, familyAttack } from "./identical.ts";

/** The `empire` attack. */
export const empire = familyAttack("empire", () => ({ direction: Direction.NegatedMean }));
