/**
 * Promotion: copy the image reference one environment deploys to the next one in the order
 * (dev → staging → prod), through the same write-back loop as a bump. The source is read again
 * at every head the loop syncs to, so a retried promotion copies what the source has then.
 */
import { InputError } from "../errors.js";
import { commitMessage } from "./git.js";
import { envFile, imageString, readImageRef, refEdits, type Layout } from "./layout.js";
import { requireFile, type Reader, type WriteBackPlan } from "./loop.js";
import { editYaml } from "./yaml-edit.js";

/** The environment after `from` in the order; refuses the last one and unknown names. */
export function nextEnvironment(l: Layout, from: string): string {
  const i = l.environments.indexOf(from);
  if (i < 0) throw new InputError("from", `"${from}" is not one of ${l.environments.join(", ")}`, "pass a configured environment");
  const next = l.environments[i + 1];
  if (!next) throw new InputError("from", `"${from}" is the last environment; there is nothing to promote to`, `promote from one of ${l.environments.slice(0, -1).join(", ")}`);
  return next;
}

/** The promotion plan; `to` defaults to the next environment and may not skip one. */
export function promotePlan(a: { app: string; from: string; to?: string; layout: Layout; sourceCommit?: string }): WriteBackPlan & { to: string } {
  const to = a.to || nextEnvironment(a.layout, a.from);
  if (to !== nextEnvironment(a.layout, a.from)) {
    throw new InputError("to", `promotion goes ${a.layout.environments.join(" → ")}; ${a.from} → ${to} skips or reverses it`, `promote ${a.from} → ${nextEnvironment(a.layout, a.from)}`);
  }
  const source = envFile(a.layout, a.from);
  const target = envFile(a.layout, to);
  let tag = "";
  let image = "";
  return {
    stage: "promote",
    to,
    edits: async (read: Reader) => {
      const ref = readImageRef(a.layout, source, await requireFile(read, source));
      if (!ref) throw new InputError(`${source}`, `environment ${a.from} has no image tag to promote`, `bump ${a.from} first`);
      tag = ref.tag;
      image = imageString(ref);
      const text = await requireFile(read, target);
      return [editYaml(target, text, refEdits(a.layout, target, text, ref))];
    },
    message: () => commitMessage({ app: a.app, env: to, tag, image, promotedFrom: a.from, sourceCommit: a.sourceCommit }),
  };
}
