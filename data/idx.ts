/** Parser of IDX files (the MNIST container format), unsigned-byte data only. */

import { DatasetError } from "./dataset.ts";

/** The content of an IDX file: its dimensions and its row-major data. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array<ArrayBuffer>;
}

const UNSIGNED_BYTE = 0x08;

/** Parses an unsigned-byte IDX file; `name` (a path) is quoted in the error of a malformed file. */
export function parseIdx(bytes: Uint8Array<ArrayBuffer>, name: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE || bytes[3] === 0) {
    const magic = Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join("");
    throw new DatasetError(
      `IDX file '${name}' has a bad magic number 0x${magic}, expected 0x000008 followed by the number of dimensions`,
    );
  }
  const rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new DatasetError(
      `IDX file '${name}' is truncated: ${bytes.length} bytes, header alone needs ${headerLength}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = headerLength + dims.reduce((product, dim) => product * dim, 1);
  if (bytes.length !== expected) {
    throw new DatasetError(
      `IDX file '${name}' has ${bytes.length} bytes, expected ${expected} for dimensions ${dims.join("×")}`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}
