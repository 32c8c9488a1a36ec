/**
 * WebGPU adapter and device acquisition (one device per process).
 *
 * The device asks for the adapter's own limits (WebGPU defaults are far smaller than what llvmpipe or a
 * real GPU offer) and reports validation errors loudly instead of silently producing zeros.
 *
 * @example
 * ```ts
 * const gpu = await acquireGpu();
 * console.log(gpu.description);
 * ```
 */

/** The acquired device and what we know about the adapter behind it. */
export interface Gpu {
  readonly device: GPUDevice;
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or "NVIDIA H100 80GB HBM3". */
  readonly description: string;
  /** True for CPU implementations (Mesa llvmpipe/lavapipe), which favour different kernel shapes. */
  readonly isCpu: boolean;
  readonly limits: GPUSupportedLimits;
}

/** Raised when no usable WebGPU adapter exists; its message tells how to get one. */
export class GpuUnavailableError extends Error {}

const BACKEND = "DENO_WEBGPU_BACKEND";

const HELP = "No WebGPU adapter found. On a machine without a GPU, install Mesa's Vulkan driver " +
  "(Debian/Ubuntu: `apt-get install mesa-vulkan-drivers libvulkan1`); on NVIDIA, install the Vulkan ICD " +
  `of the driver. Vulkan is used unless ${BACKEND} says otherwise (e.g. ${BACKEND}=gl).`;

let acquired: Promise<Gpu> | undefined;

/** Returns the process-wide GPU, creating it on first use. */
export function acquireGpu(): Promise<Gpu> {
  acquired ??= createGpu();
  return acquired;
}

/**
 * Restricts WebGPU to Vulkan unless the user chose a backend. Otherwise wgpu also opens an EGL display,
 * which loads Mesa's GL stack (libEGL, libGLdispatch, swrast_dri: a second llvmpipe) beside lavapipe; about
 * one test run in ten then aborted at exit with a corrupted heap, the main thread inside libGLdispatch's
 * destructor while a driver thread was exiting.
 */
function preferVulkan(): void {
  const query = Deno.permissions.querySync({ name: "env", variable: BACKEND });
  if (query.state === "granted" && Deno.env.get(BACKEND) === undefined) Deno.env.set(BACKEND, "vulkan");
}

async function createGpu(): Promise<Gpu> {
  if (typeof navigator === "undefined" || !("gpu" in navigator)) throw new GpuUnavailableError(HELP);
  preferVulkan();
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new GpuUnavailableError(HELP);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  device.addEventListener("uncapturederror", (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    console.error(`[fatal] WebGPU error: ${error.message}`);
    Deno.exit(1);
  });
  const info = adapter.info;
  const description = info.description || `${info.vendor} ${info.device}`.trim() || "unknown adapter";
  const isCpu = info.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader/i.test(description);
  return { device, description, isCpu, limits: device.limits };
}
