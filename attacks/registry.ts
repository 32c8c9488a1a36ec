/**
 * Registry of attacks: every attack file of `attacks/` is listed here once.
 */
import type { Attack } from "./attack.ts";
import { anticge } from "./anticge.ts";
import { bulyan } from "./bulyan.ts";
import { empire } from "./empire.ts";
import { empireStrict } from "./empire_strict.ts";
import { little } from "./little.ts";
import { nan } from "./nan.ts";

const ATTACKS: readonly Attack[] = [anticge, bulyan, empire, empireStrict, little, nan];

/** Names of the known attacks. */
export function attackNames(): string[] {
  return ATTACKS.map((a) => a.name);
}

/** Returns the attack called `name`, or throws an error listing the known ones. */
export function getAttack(name: string): Attack {
  const attack = ATTACKS.find((a) => a.name === name);
  if (!attack) throw new Error(`Unknown attack '${name}', expected one of: ${attackNames().join(", ")}`);
  return attack;
}
