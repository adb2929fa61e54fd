/**
 * Inputs of the smoke check, validated before anything runs.
 */
import { z } from "zod";
import { environmentField } from "../gitops-config.js";
import { versionField } from "../inputs.js";

/** `<workload>` or `<workload>/<container>`: Kubernetes object and container names. */
export const CONTAINER_PICK = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(\/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?$/;

/** The app's container as the rendering names it: `<workload>[/<container>]`, or "" for the rendering's only container. */
export const containerField = z
  .string()
  .trim()
  .refine((s) => s === "" || CONTAINER_PICK.test(s), { error: "is not <workload> or <workload>/<container> (Kubernetes names)" })
  .describe('pass the app\'s workload and container as the rendering names them, e.g. gitops-demo/app, or "" when the rendering has one container');

/** The public inputs of the smoke function. */
export const smokeInputs = z.object({
  environment: environmentField,
  version: versionField,
  container: containerField,
});
