/** The in-memory dataset type shared by every loader, its error type and a checksum helper. */

/** One split of a dataset: `count` images of C×H×W uint8 pixels (CHW order) and their labels. */
export interface Split {
  /** `count · channels · height · width` bytes, image after image, each in CHW order. */
  images: Uint8Array<ArrayBuffer>;
  /** `count` class indices. */
  labels: Uint8Array<ArrayBuffer>;
  /** Number of samples. */
  count: number;
}

/** A classification dataset held in memory, with the transforms the reference applies to it. */
export interface Dataset {
  /** Registry name, e.g. `mnist`. */
  name: string;
  channels: number;
  height: number;
  width: number;
  /** Number of classes (labels are below this). */
  classes: number;
  train: Split;
  test: Split;
  /** Per-channel normalisation, applied as `(x/255 − mean[c]) / std[c]`; none = `[0]`, `[1]`. */
  mean: number[];
  /** Per-channel standard deviations, see `mean`. */
  std: number[];
  /** Random horizontal flips (p = 0.5) of training images. */
  flipTrain: boolean;
  /** Random horizontal flips (p = 0.5) of test images. */
  flipTest: boolean;
}

/** A dataset that cannot be found, read or trusted; the message is one line meant for the user. */
export class DatasetError extends Error {
  /** Builds the error from its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

/** Lower-case hexadecimal SHA-256 digest of some bytes. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
