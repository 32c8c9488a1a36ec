/**
 * Loads WGSL from the project's `shaders/` folder. A line `#include "name.wgsl"` is replaced by that file
 * (once per shader), so kernels can share small helpers such as the NaN bit test.
 */

const SHADER_DIR = new URL("../shaders/", import.meta.url);
const cache = new Map<string, string>();

/** Returns the WGSL text of `shaders/<name>` with its includes expanded. */
export function loadShader(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = expand(name, new Set());
    cache.set(name, text);
  }
  return text;
}

function expand(name: string, seen: Set<string>): string {
  if (seen.has(name)) return "";
  seen.add(name);
  const source = Deno.readTextFileSync(new URL(name, SHADER_DIR));
  return source.replace(/^#include "([^"]+)"\s*$/gm, (_, file: string) => expand(file, seen));
}
