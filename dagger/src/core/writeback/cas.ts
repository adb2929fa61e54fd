/**
 * Compare-and-set for the write-back: what a plan may replace.
 *
 * A push lands only on the head it was computed on (git refuses a non-fast-forward), and the loop
 * re-plans on every new head. Re-planning is where updates got lost: a bump re-applied its tag to
 * whatever the head held (4.0.9 over 4.0.19), and a rollback reverted a fix that landed after it
 * chose its target. So each plan records the value it replaces and, at every head, decides again:
 *
 * - bump / promote: moving to a newer version is always fine; moving to an older one is refused
 *   unless asked (`--allow-downgrade`); and when the environment changed since the plan first
 *   looked (someone else deployed meanwhile), the plan goes on only if it still moves forward.
 * - rollback (the explicit downgrade): only from the very reference it chose its target against.
 *
 * Order comes from the tags: semver (`1.4.0`, `v1.4.0`, `1.4.0-rc.1`) compared on
 * major.minor.patch, a release after its own pre-releases. Two pre-releases of one version
 * (`1.29.1-debian-12-r9` / `-r10`), or tags that are not semver (`8855235-29`), cannot be ordered
 * safely: they count as unordered, and then only the compare-and-set protects.
 */
import semver from "semver";
import { StageError } from "../errors.js";
import type { ImageRef } from "./image-ref.js";

/** How tag `a` relates to tag `b`. */
export type Order = "newer" | "older" | "same" | "unordered";

const version = (tag: string): semver.SemVer | null => semver.parse(tag.replace(/^v(?=\d)/, ""));

/** Order of two image tags (see the module comment); "same" only for equal strings. */
export function compareTags(a: string, b: string): Order {
  if (a === b) return "same";
  const x = version(a);
  const y = version(b);
  if (!x || !y) return "unordered";
  const core = semver.compare(`${x.major}.${x.minor}.${x.patch}`, `${y.major}.${y.minor}.${y.patch}`);
  if (core !== 0) return core > 0 ? "newer" : "older";
  const xp = x.prerelease.length > 0;
  const yp = y.prerelease.length > 0;
  if (xp !== yp) return xp ? "older" : "newer"; // 1.4.0 comes after 1.4.0-rc.1
  return "unordered";
}

/** Same image: repository, tag and digest. */
export const sameRef = (a: Partial<ImageRef> | undefined, b: Partial<ImageRef> | undefined): boolean =>
  !!a && !!b && a.tag === b.tag && (a.digest ?? "") === (b.digest ?? "") && (a.repository ?? "") === (b.repository ?? "");

const show = (r: Partial<ImageRef> & { tag: string }): string => `${r.repository ? `${r.repository}:` : ""}${r.tag}${r.digest ? `@${r.digest}` : ""}`;

/** A write-back that would undo or overtake a deploy it did not choose to: nothing was pushed. */
export class WriteRefused extends StageError {
  constructor(
    stage: string,
    summary: string,
    /** The reference the environment deploys at the head the write-back refused on (undefined: no tag). */
    readonly current: (Partial<ImageRef> & { tag: string }) | undefined,
    /** The reference the write-back would have written. */
    readonly target: Partial<ImageRef> & { tag: string },
  ) {
    super(stage, summary);
  }
}

/**
 * May a bump or promotion write `target` into `env`, which deploys `current` at this head, when
 * the plan first saw `planned` there? Throws WriteRefused naming the values when it may not.
 */
export function guardForward(a: {
  stage: string;
  env: string;
  planned: (Partial<ImageRef> & { tag: string }) | undefined;
  current: (Partial<ImageRef> & { tag: string }) | undefined;
  target: Partial<ImageRef> & { tag: string };
  allowDowngrade: boolean;
}): void {
  const { current: c, target: t, planned: p } = a;
  if (!c || sameRef(c, t)) return;
  const order = compareTags(t.tag, c.tag);
  if (order === "newer") return;
  if (p && !sameRef(c, p)) {
    const why = order === "older" ? `${t.tag} is older than ${c.tag}` : `whether ${t.tag} comes after ${c.tag} cannot be told from the tags`;
    throw new WriteRefused(
      a.stage,
      `${a.stage} refused: ${a.env} changed from ${show(p)} to ${show(c)} while this ${a.stage} to ${show(t)} was being pushed, and ${why}; nothing was pushed. Run it again to deploy ${t.tag} over ${c.tag} knowingly${order === "older" ? " (with --allow-downgrade)" : ""}`,
      c,
      t,
    );
  }
  if (order === "older" && !a.allowDowngrade) {
    throw new WriteRefused(
      a.stage,
      `${a.stage} refused: ${a.env} deploys ${show(c)} and ${show(t)} is older; nothing was pushed. Pass --allow-downgrade to move it back, or use rollback`,
      c,
      t,
    );
  }
}

/**
 * May a rollback that chose `target` while `env` deployed `chosenAgainst` write at this head, where
 * it deploys `current`? Only when nothing changed: a deploy that landed since (a fix bump) is
 * never reverted by a rollback that did not see it.
 */
export function guardRollback(a: {
  env: string;
  chosenAgainst: Partial<ImageRef> & { tag: string };
  current: (Partial<ImageRef> & { tag: string }) | undefined;
  target: Partial<ImageRef> & { tag: string };
}): void {
  const { current: c, chosenAgainst: r, target: t } = a;
  if (c && (sameRef(c, t) || sameRef(c, r))) return;
  throw new WriteRefused(
    "rollback",
    `rollback refused: ${a.env} deploys ${c ? show(c) : "no image tag"} now, not ${show(r)} that the rollback to ${show(t)} was chosen against (it changed after the target was chosen); nothing was pushed. Run rollback again to choose against what it deploys now`,
    c,
    t,
  );
}
