/**
 * Platform strings of the multi-arch build: `os/arch[/variant]`, e.g. `linux/amd64`,
 * `linux/arm64`, `linux/arm/v7`. Parsed and checked before anything is built, so a typo fails
 * with the argument's name instead of a BuildKit error minutes later.
 */
import { DEFAULT_PLATFORMS } from "../defaults.js";
import { InputError } from "../errors.js";

/** Operating systems the app image is built for: its base is a Linux Python image. */
export const KNOWN_OS = ["linux"] as const;
/** Other GOOS values of OCI image indexes, named in the error when asked for. */
const OTHER_OS = ["windows", "darwin", "freebsd"];

/** Architectures (GOARCH) and the variants each accepts. */
export const KNOWN_ARCH: Readonly<Record<string, readonly string[]>> = {
  amd64: ["v1", "v2", "v3", "v4"],
  arm64: ["v8", "v9"],
  arm: ["v5", "v6", "v7"],
  "386": [],
  ppc64le: [],
  s390x: [],
  riscv64: [],
  mips64le: [],
  loong64: [],
};

/** Common aliases normalised the way containerd does (`x86_64` → `amd64`...). */
const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", i386: "386" };

/** One parsed platform. */
export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

/** `os/arch[/variant]` of a parsed platform; `arm64/v8` prints as `arm64` (its default). */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.arch}/${p.variant}` : `${p.os}/${p.arch}`;
}

/** Parse one platform string; InputError naming `arg` when it is not a known `os/arch[/variant]`. */
export function parsePlatform(raw: string, arg = "platforms"): Platform {
  const fix = `use os/arch[/variant] with a known os (${KNOWN_OS.join(", ")}) and arch (${Object.keys(KNOWN_ARCH).join(", ")}), e.g. linux/amd64`;
  const parts = raw.trim().toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new InputError(arg, `"${raw}" is not a platform`, fix);
  }
  const [os, rawArch, rawVariant] = parts as [string, string, string | undefined];
  // The image is built FROM a Linux Python base: another os would be a Linux image mislabelled.
  if (OTHER_OS.includes(os))
    throw new InputError(
      arg,
      `"${raw}" is a ${os} platform, but the app image is built from a Linux base image`,
      "pass linux platforms, e.g. linux/amd64,linux/arm64",
    );
  if (!(KNOWN_OS as readonly string[]).includes(os)) throw new InputError(arg, `"${raw}" has unknown os "${os}"`, fix);
  const arch = ARCH_ALIASES[rawArch] ?? rawArch;
  const variants = KNOWN_ARCH[arch];
  if (!variants) throw new InputError(arg, `"${raw}" has unknown architecture "${rawArch}"`, fix);
  let variant = rawVariant;
  // The default variants print as the bare arch (containerd normalises them the same way).
  if ((arch === "arm64" && variant === "v8") || (arch === "amd64" && variant === "v1")) variant = undefined;
  if (arch === "arm" && variant === undefined) variant = "v7"; // what `linux/arm` means in practice
  if (variant !== undefined && !variants.includes(variant)) {
    throw new InputError(
      arg,
      `"${raw}" has unknown variant "${variant}" for ${arch}`,
      variants.length ? `use one of ${variants.join(", ")}` : `${arch} has no variants: drop it`,
    );
  }
  return variant ? { os, arch, variant } : { os, arch };
}

/**
 * Parse a platform list: an array and/or comma-separated strings. Normalised, duplicates
 * removed, order kept. An empty list is an InputError naming `arg`.
 */
export function parsePlatforms(raw: readonly string[] | string, arg = "platforms"): string[] {
  const items = (typeof raw === "string" ? [raw] : raw)
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new InputError(arg, "no platform given", `pass at least one, e.g. ${DEFAULT_PLATFORMS.join(",")}`);
  const out: string[] = [];
  for (const item of items) {
    const p = formatPlatform(parsePlatform(item, arg));
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
