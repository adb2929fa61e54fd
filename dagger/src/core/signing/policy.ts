/**
 * The `verification:` section of gitops-pipeline.yaml: what an image must prove before bump,
 * promote or rollback writes it into an environment. It lives in the gitops tree, beside the
 * environments, so an app repository cannot weaken it. Layers: the section's own fields apply to
 * every environment, `apps.<name>` over them, `environments.<name>` over both.
 *
 *   verification:
 *     mode: warn                       # off | warn | require
 *     key: keys/cosign.pub             # public key in the tree, or:
 *     identity: { issuer: https://token.actions.githubusercontent.com, subject: '^https://github\.com/acme/shop/' }
 *     provenance: { repository: github.com/acme/shop, refs: [refs/heads/main, refs/tags/v*], builder: '^https://github\.com/acme/' }
 *     environments: { prod: { mode: require } }
 */
import { z } from "zod";
import { InputError } from "../errors.js";

/** What a failed check does: nothing is checked (`off`), it is reported (`warn`), the write is refused (`require`). */
export const VERIFY_MODES = ["off", "warn", "require"] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the gitops tree, without '..'")
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), "must not contain a line break or control character");

/**
 * A regular expression cosign (Go's RE2) and JavaScript read alike: it must compile here, and
 * use none of the lookarounds or backreferences RE2 lacks.
 */
export const re2Pattern = z
  .string()
  .min(1)
  .max(512)
  .refine((s) => !/\(\?[=!<]|\\[1-9]/.test(s), "uses a lookaround or backreference, which cosign's regular expressions (RE2) do not support")
  .refine((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, "is not a valid regular expression");

const httpsUrl = z
  .string()
  .max(512)
  .regex(/^https:\/\/[^\s/@]+(\/[^\s]*)?$/, "must be the issuer's https URL as the certificate records it, e.g. https://token.actions.githubusercontent.com");

/** Keyless: the signing certificate's OIDC issuer (exact) and subject (a regular expression, anchored by you). */
const identitySchema = z
  .object({
    issuer: httpsUrl.describe("the OIDC issuer, e.g. https://token.actions.githubusercontent.com"),
    subject: re2Pattern.describe("a regular expression for the certificate's subject (workflow URL or email), e.g. ^https://github\\.com/acme/shop/"),
  })
  .strict();

/** A source repository as `host/owner/name` (what provenance records, without scheme or .git). */
const repositorySchema = z
  .string()
  .transform((s) => normaliseRepository(s))
  .refine((s) => /^[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~-]+)+$/.test(s), "must be a source repository such as github.com/acme/shop");

/** A git ref pattern: refs/heads/main, refs/tags/v* (`*` matches within one path segment). */
const refPattern = z.string().regex(/^refs\/[A-Za-z0-9._/*+-]+$/, "must be a full git ref or pattern, e.g. refs/heads/main or refs/tags/v*");

const provenanceSchema = z
  .object({
    /** The repository the image must be built from. */
    repository: repositorySchema,
    /** Branches or tags it may be built from; default: any. */
    refs: z.array(refPattern).default([]),
    /** A regular expression the provenance's builder id must match; default: any builder. */
    builder: re2Pattern.optional(),
  })
  .strict();

/** One layer: every field optional, the later layer wins field by field. */
const layerSchema = z
  .object({
    mode: z.enum(VERIFY_MODES, { error: "is not a mode: use off, warn or require" }).optional(),
    /** cosign public key (PEM) in the gitops tree: the signature must verify with it. */
    key: relPath.optional(),
    identity: identitySchema.optional(),
    /** PEM bundle of the certificate authorities of a private Fulcio (keyless); default: the public Sigstore. */
    roots: relPath.optional(),
    /** Require the signature in a transparency log (Rekor); false for a private CA without a log. */
    transparencyLog: z.boolean().optional(),
    provenance: provenanceSchema.optional(),
  })
  .strict();

/** The `verification:` section of gitops-pipeline.yaml. */
export const verificationSchema = layerSchema
  .extend({
    apps: z.record(z.string(), layerSchema).default({}),
    environments: z.record(z.string(), layerSchema).default({}),
  })
  .strict();

export type VerificationSettings = z.infer<typeof verificationSchema>;
type Layer = z.infer<typeof layerSchema>;

/** The rule one environment applies, all layers merged. */
export interface VerifyPolicy {
  mode: VerifyMode;
  key?: string;
  identity?: { issuer: string; subject: string };
  roots?: string;
  transparencyLog: boolean;
  provenance?: { repository: string; refs: string[]; builder?: string };
  /** Where the rule comes from, for errors: `gitops-pipeline.yaml: verification.environments.prod`. */
  source: string;
}

/** `https://github.com/acme/shop.git` → `github.com/acme/shop` (also git+https://, ssh://git@, scp-like git@host:path). */
export function normaliseRepository(s: string): string {
  let r = s.trim().replace(/^git\+/, "");
  const scp = /^[A-Za-z0-9._-]+@([^:/]+):(.+)$/.exec(r);
  if (scp) r = `${scp[1]}/${scp[2]}`;
  r = r.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/^[^@/]+@/, "");
  return r
    .replace(/[?#].*$/, "")
    .replace(/@(refs\/.*|[^/]*)$/, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "");
}

/** Does `ref` match a pattern of `refs` (`*` within one segment)? An empty list matches any ref. */
export function refAllowed(ref: string, refs: readonly string[]): boolean {
  if (refs.length === 0) return true;
  return refs.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`).test(ref));
}

/**
 * The rule of `environment` (of `app`): the section, then apps.<app>, then environments.<env>.
 * A mode other than off needs a key or an identity; an error names the file, the layer and what to add.
 */
export function policyFor(settings: VerificationSettings | undefined, environment: string, app = "", file = "gitops-pipeline.yaml"): VerifyPolicy {
  if (!settings) return { mode: "off", transparencyLog: true, source: `${file} (no verification: section)` };
  const layers: [string, Layer | undefined][] = [
    ["verification", settings],
    [`verification.apps.${app}`, app ? settings.apps[app] : undefined],
    [`verification.environments.${environment}`, settings.environments[environment]],
  ];
  let merged: Layer = {};
  let source = "verification";
  for (const [where, layer] of layers) {
    if (!layer) continue;
    const { mode, key, identity, roots, transparencyLog, provenance } = layer;
    merged = { ...merged, ...defined({ mode, key, identity, roots, transparencyLog, provenance }) };
    source = where;
  }
  const mode = merged.mode ?? "off";
  if (mode !== "off" && !merged.key && !merged.identity)
    throw new InputError(
      `${file}: ${source}`,
      `sets mode ${mode} for ${environment} but names neither a key nor an identity to verify the signature with`,
      "add key: <path of the cosign public key in the tree> or identity: { issuer, subject }",
    );
  return {
    mode,
    ...(merged.key ? { key: merged.key } : {}),
    ...(merged.identity ? { identity: merged.identity } : {}),
    ...(merged.roots ? { roots: merged.roots } : {}),
    transparencyLog: merged.transparencyLog ?? true,
    ...(merged.provenance ? { provenance: merged.provenance } : {}),
    source: `${file}: ${source}`,
  };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
