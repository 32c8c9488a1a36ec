/**
 * Argument typing and the parameter checks shared by the attacks (spec 7.1–7.3, 12.3), with the reference's
 * messages. `key:value` arguments keep Python's types: a plain `number` that is an integer is a Python int, a
 * `PyFloat` (or a non-integer number) a Python float, and a boolean counts as an int as in Python
 * (`isinstance(True, int)`).
 */
import { PyFloat, pyRepr, type PyValue } from "../results/format.ts";

/** Python `repr()` of an attack argument as the reference prints it in its messages. */
export function argRepr(value: unknown): string {
  return value === undefined ? "None" : pyRepr(value as PyValue);
}

/** The value of a Python int argument (booleans count as 0/1), or undefined if it is not an int. */
export function pyInt(value: unknown): number | undefined {
  if (typeof value === "boolean") return value ? 1 : 0;
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** The value of a Python float argument, or undefined if it is not a float. */
export function pyFloatValue(value: unknown): number | undefined {
  if (value instanceof PyFloat) return value.value;
  return typeof value === "number" && !Number.isInteger(value) ? value : undefined;
}

/** The numeric value of an int or float argument. */
export function argNumber(value: unknown): number {
  return pyInt(value) ?? pyFloatValue(value) ?? NaN;
}

/** The checks every attack starts with: a non-empty honest list and a non-negative int f_real (spec 7.1). */
export function checkCommon(h: number, fReal: number): string | undefined {
  if (h < 1) return "Expected a non-empty list of honest gradients, got []";
  if (!Number.isInteger(fReal) || fReal < 0) {
    return `Expected a non-negative number of Byzantine gradients to generate, got ${fReal}`;
  }
  return undefined;
}
