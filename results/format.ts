/**
 * Python-compatible text formatting of numbers and configuration values, so that result files and the
 * configuration match the reference implementation byte for byte.
 */

/** A number that Python holds as a `float` (so `2.0` prints as `2.0`, never `2`). */
export class PyFloat {
  /** Wraps a float value. */
  constructor(readonly value: number) {}

  /** The wrapped number, so that `Number(x)` and arithmetic coercion see the value. */
  valueOf(): number {
    return this.value;
  }
}

/** A value as found in the reference's configuration namespace: Python scalars, lists and dicts. */
export type PyValue =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | readonly PyValue[]
  | { readonly [key: string]: PyValue };

/** Python 3 `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 up. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exponentText] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${head}e${exponentSuffix(exponent)}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const integerLength = exponent + 1;
  if (digits.length <= integerLength) return `${sign}${digits.padEnd(integerLength, "0")}.0`;
  return `${sign}${digits.slice(0, integerLength)}.${digits.slice(integerLength)}`;
}

/** Python `'%.8e' % x` (correctly rounded, ties to even), e.g. `2.00000000e+00`, `nan`, `-inf`. */
export function formatE8(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const magnitude = Math.abs(x);
  // JavaScript rounds exact decimal ties upwards where C rounds them to even: only those need exact work.
  const [wide] = magnitude.toExponential(20).split("e");
  const tail = wide.replace(".", "").slice(9);
  if (/^50*$/.test(tail)) return sign + exactE8(magnitude);
  const [mantissa, exponentText] = magnitude.toExponential(8).split("e");
  return `${sign}${mantissa}e${exponentSuffix(Number(exponentText))}`;
}

/** `%.8e` of a positive finite number from its exact decimal expansion, rounding ties to even. */
function exactE8(magnitude: number): string {
  const { digits, exponent } = exactDecimal(magnitude);
  let head = digits.slice(0, 9).padEnd(9, "0");
  const rest = digits.slice(9);
  let scientific = exponent + digits.length - 1;
  const above = rest.length > 0 && (rest[0] > "5" || (rest[0] === "5" && /[1-9]/.test(rest.slice(1))));
  const tie = rest.length > 0 && rest[0] === "5" && !/[1-9]/.test(rest.slice(1));
  if (above || (tie && Number(head[8]) % 2 === 1)) {
    head = (BigInt(head) + 1n).toString();
    if (head.length > 9) {
      head = head.slice(0, 9);
      scientific += 1;
    }
  }
  return `${head[0]}.${head.slice(1)}e${exponentSuffix(scientific)}`;
}

/** Exact decimal expansion of a positive finite double: value = digits × 10^exponent. */
function exactDecimal(magnitude: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let power = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    power = biased - 1075;
  }
  if (power >= 0) return { digits: (mantissa << BigInt(power)).toString(), exponent: 0 };
  return { digits: (mantissa * 5n ** BigInt(-power)).toString(), exponent: power };
}

/** Exponent text as C prints it: sign and at least two digits. */
function exponentSuffix(exponent: number): string {
  return (exponent < 0 ? "-" : "+") + String(Math.abs(exponent)).padStart(2, "0");
}

/** Python `repr()` of a value: strings quoted and escaped, ints as digits, floats via `pyFloatRepr`. */
export function pyRepr(value: PyValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return pyStringRepr(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === "number") {
    return Number.isInteger(value) ? BigInt(value).toString() : pyFloatRepr(value);
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${pyStringRepr(key)}: ${pyRepr(item)}`).join(", ")}}`;
}

/** Python `str()` of a value: strings as they are, everything else as `pyRepr`. */
export function pyStr(value: PyValue): string {
  return typeof value === "string" ? value : pyRepr(value);
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr(str)`: single quotes unless only double quotes avoid escaping, backslash escapes. */
function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\" || char === quote) body += `\\${char}`;
    else if (char === "\n") body += "\\n";
    else if (char === "\r") body += "\\r";
    else if (char === "\t") body += "\\t";
    else if (char !== " " && NON_PRINTABLE.test(char)) body += pyCodeEscape(code);
    else body += char;
  }
  return quote + body + quote;
}

/** Python's escape of a non-printable code point: `\xNN`, `\uNNNN` or `\UNNNNNNNN`. */
function pyCodeEscape(code: number): string {
  const hex = code.toString(16);
  if (code < 0x100) return `\\x${hex.padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}
