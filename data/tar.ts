/** A minimal reader of gzip-compressed tar archives (ustar/GNU headers, regular files only). */

const BLOCK = 512;

/** Decompresses gzip bytes with the platform's `DecompressionStream`. */
export async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The regular files of a tar archive whose names satisfy `wanted`, by name (views into `tar`).
 * Throws on a malformed header; stops at the first zero block.
 */
export function tarFiles(
  tar: Uint8Array<ArrayBuffer>,
  wanted: (name: string) => boolean = () => true,
): Map<string, Uint8Array<ArrayBuffer>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const text = (from: number, length: number) =>
    new TextDecoder().decode(tar.subarray(from, from + length)).replace(/\0.*$/s, "");
  let at = 0;
  while (at + BLOCK <= tar.length && tar[at] !== 0) {
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    if (!Number.isSafeInteger(size) || at + BLOCK + size > tar.length) {
      throw new Error(`malformed tar header at byte ${at}`);
    }
    const type = String.fromCharCode(tar[at + 156]);
    const prefix = text(at + 345, 155);
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    if ((type === "0" || type === "\0") && wanted(name)) {
      files.set(name, tar.subarray(at + BLOCK, at + BLOCK + size));
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
