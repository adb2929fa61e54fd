/**
 * Promotion: copy the image reference one environment deploys to the next one in the order
 * gitops-pipeline.yaml declares (dev → staging → prod), through the same write-back loop as a
 * bump. The layout and the source are read again at every head the loop syncs to, so a retried
 * promotion copies what the source has then.
 */
import { InputError } from "../errors.js";
import { commitMessage } from "./git.js";
import { checkEnvironment, envFile, imageString, readImageRef, readLayout, refEdits, type Layout, type LayoutSource } from "./layout.js";
import { requireFile, type Reader, type WriteBackPlan } from "./loop.js";
import { editYaml } from "./yaml-edit.js";
import { guardForward } from "./cas.js";
import type { ImageRef } from "./image-ref.js";

/** The environment after `from` in the order; refuses the last one and unknown names. */
export function nextEnvironment(l: Layout, from: string): string {
  checkEnvironment(l, from, "from");
  const next = l.environments[l.environments.indexOf(from) + 1];
  if (!next)
    throw new InputError(
      "from",
      `"${from}" is the last environment; there is nothing to promote to`,
      `promote from one of ${l.environments.slice(0, -1).join(", ")}`,
    );
  return next;
}

/**
 * The promotion plan; `to` defaults to the next environment and may not skip one. The target is
 * never moved to an older tag than it deploys unless `allowDowngrade`.
 */
export function promotePlan(a: {
  from: string;
  to?: string;
  source: LayoutSource;
  app?: string;
  sourceCommit?: string;
  /** ISO 8601 time of the source commit (the metrics' lead time; without it they take the source environment's). */
  sourceCommitTime?: string;
  allowDowngrade?: boolean;
}): WriteBackPlan {
  let app = a.app ?? "";
  let planned: { seen: ImageRef | undefined } | undefined;
  let to = a.to ?? "";
  let tag = "";
  let image = "";
  return {
    stage: "promote",
    // The target is known once edits ran (the next environment of the layout at that head).
    get environment(): string {
      return to;
    },
    edits: async (read: Reader) => {
      const l = await readLayout(read, a.source);
      app ||= l.release;
      const next = nextEnvironment(l, a.from);
      if (a.to && a.to !== next) {
        checkEnvironment(l, a.to, "to");
        throw new InputError("to", `promotion goes ${l.environments.join(" → ")}; ${a.from} → ${a.to} skips or reverses it`, `promote ${a.from} → ${next}`);
      }
      to = next;
      const source = await envFile(l, a.from, read, "from");
      const ref = readImageRef(l, source, await requireFile(read, source));
      if (!ref) throw new InputError(source, `environment ${a.from} has no image tag to promote`, `bump ${a.from} first`);
      tag = ref.tag;
      image = imageString(ref);
      const target = await envFile(l, to, read, "to");
      const text = await requireFile(read, target);
      // Compare-and-set on the target, as a bump does (cas.ts): never backwards unasked.
      const current = readImageRef(l, target, text);
      planned ??= { seen: current };
      guardForward({ stage: "promote", env: to, planned: planned.seen, current, target: ref, allowDowngrade: a.allowDowngrade ?? false });
      return [editYaml(target, text, refEdits(l, target, text, ref))];
    },
    message: () =>
      commitMessage({
        app,
        env: to,
        tag,
        image,
        promotedFrom: a.from,
        sourceCommit: a.sourceCommit,
        ...(a.sourceCommitTime ? { sourceCommitTime: a.sourceCommitTime } : {}),
      }),
  };
}
