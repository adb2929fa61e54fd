/**
 * Input schemas of the manifests functions: validate's environment names, the kind debugging
 * helpers' run id and server URL. (end-to-end's are in core/e2e/settings.ts.)
 */
import { z } from "zod";
import { appField, ENVIRONMENT_NAME } from "../gitops-config.js";
import { commaList, problem } from "../inputs.js";
import { parseChangedFiles } from "../gitops/changed-apps.js";

export const validateInputs = z.object({
  environments: z
    .array(z.string())
    .transform((xs, ctx) => {
      const names = xs.flatMap(commaList);
      const bad = names.find((n) => !ENVIRONMENT_NAME.test(n));
      if (bad !== undefined)
        return problem(
          ctx,
          `"${bad}" is not an environment name (a DNS-1123 label: lower-case letters, digits and '-', at most 63)`,
          "pass environments of gitops-pipeline.yaml, e.g. prod, or none for all",
        );
      return names;
    })
    .describe("pass environments of gitops-pipeline.yaml, e.g. prod, or none for all"),
  changedFiles: z
    .array(z.string())
    .default([])
    .transform((xs, ctx) => {
      const files = xs.flatMap(parseChangedFiles);
      const bad = files.find((f) => f.startsWith("/") || f.split("/").includes("..") || /[\0-\x1f]/.test(f));
      if (bad !== undefined)
        return problem(
          ctx,
          `"${bad}" is not a path relative to the repository root`,
          "pass what git diff --name-only <base> prints, e.g. gitops/environments/dev/values.yaml",
        );
      return files;
    })
    .describe("pass what git diff --name-only <base> prints, e.g. gitops/environments/dev/values.yaml"),
});

/** The app argument of manifests and argo-cd. */
export const appInputs = z.object({ app: appField });

/** ci's name for it. */
export const ciAppInputs = z.object({ gitopsApp: appField });

export const kindInputs = z.object({
  runId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { error: "is not a run id (lower-case letters, digits and '-', at most 31)" })
    .describe("pass e.g. debug"),
  server: z
    .string()
    .regex(/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, { error: "is not an https URL of an API server" })
    .optional()
    .describe("pass e.g. https://localhost:6443"),
});
