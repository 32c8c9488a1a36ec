/**
 * `little` ("A little is enough", spec 7.2): f_real copies of avg + factor·std, where std is the
 * per-coordinate sample standard deviation of the honest vectors.
 */
import { Direction, familyAttack } from "./identical.ts";

/** The `little` attack. */
export const little = familyAttack("little", () => ({ direction: Direction.StdDev }));
