/**
 * What an Argo CD Application's status says about one deployment: reading the fields verify
 * needs out of an Application object (as the Argo CD API and the Kubernetes API both return it)
 * and deciding whether the wanted revision is deployed (ready), not yet (waiting), or never will
 * be without a new commit (failed). Pure: no clock, no I/O.
 */

/** The status fields verify reads, normalised ("" where the object has none). */
export interface Observed {
  /** status.sync.status: Synced, OutOfSync, Unknown. */
  sync: string;
  /** status.health.status: Healthy, Progressing, Degraded, Suspended, Missing, Unknown. */
  health: string;
  /** status.sync.revision, or status.sync.revisions (multi-source), as deployed. */
  revisions: string[];
  /** status.operationState.phase: Running, Succeeded, Failed, Error, Terminating. */
  operationPhase: string;
  /** The revision(s) the last operation synced to (operation.sync or syncResult). */
  operationRevisions: string[];
  /** status.operationState.message. */
  operationMessage: string;
  /** status.conditions: errors and warnings Argo CD reports about the Application. */
  conditions: { type: string; message: string }[];
  /** Messages of the managed resources that are not Healthy (why the app is Degraded). */
  unhealthy: string[];
}

/** Where one poll left the deployment. */
export type Verdict =
  | { state: "ready"; why: string }
  | { state: "waiting"; why: string }
  /** Synced at the wanted revision but Degraded: a failure unless it recovers within the grace window. */
  | { state: "degraded"; why: string }
  | { state: "failed"; why: string };

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : []);

/** The fields verify reads from an Application object; missing parts read as "" / []. */
export function observe(application: unknown): Observed {
  const status = obj(obj(application).status);
  const sync = obj(status.sync);
  const op = obj(status.operationState);
  const opSync = obj(obj(op.operation).sync);
  const result = obj(op.syncResult);
  const one = str(sync.revision);
  const revisions = [...(one ? [one] : []), ...strs(sync.revisions)];
  const operationRevisions = [str(opSync.revision), ...strs(opSync.revisions), str(result.revision), ...strs(result.revisions)].filter(Boolean);
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).map((c) => ({ type: str(obj(c).type), message: str(obj(c).message) }));
  const unhealthy = (Array.isArray(status.resources) ? status.resources : [])
    .map(obj)
    .filter((r) => ["Degraded", "Missing"].includes(str(obj(r.health).status)))
    .map((r) => `${str(r.kind)}/${str(r.name)}: ${str(obj(r.health).status)}${str(obj(r.health).message) ? ` (${str(obj(r.health).message)})` : ""}`);
  return {
    sync: str(sync.status),
    health: str(obj(status.health).status),
    revisions,
    operationPhase: str(op.phase),
    operationRevisions: [...new Set(operationRevisions)],
    operationMessage: str(op.message),
    conditions,
    unhealthy,
  };
}

/** A git commit id as the wanted revision: 7 to 40 hex digits (a short prefix or a full sha). */
export const REVISION = /^[0-9a-f]{7,40}$/;

/** True when `seen` is the wanted revision: "" wants any; otherwise `seen` starts with it (case-insensitive). */
export function sameRevision(seen: string, wanted: string): boolean {
  if (wanted === "") return true;
  return seen.toLowerCase().startsWith(wanted.toLowerCase());
}

/** A revision as reports show it: a sha shortened to 7 characters, anything else as is. */
export function shortRevision(rev: string): string {
  return /^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

/** sync/health at revision, e.g. `OutOfSync/Progressing at 1a2b3c4 (operation Running)`. */
export function describeStatus(o: Observed): string {
  const at = o.revisions.length ? ` at ${o.revisions.map(shortRevision).join(",")}` : " at no revision yet";
  const op = o.operationPhase ? ` (operation ${o.operationPhase})` : "";
  return `${o.sync || "no sync status"}/${o.health || "no health status"}${at}${op}`;
}

/**
 * The verdict on one Application object for `wanted` ("" = any revision).
 * - failed: the sync operation for the wanted revision ended Failed or Error (Argo CD retries
 *   only with a retry policy, and then the phase is Running again, so a final phase is final);
 * - waiting: that operation is still running, or the app is not Synced at the wanted revision yet,
 *   or not Healthy yet (Progressing, Suspended, Missing, Unknown);
 * - degraded: Synced at the wanted revision but Degraded (the caller gives it a grace window);
 * - ready: Synced at the wanted revision and Healthy, with no operation of it still running.
 */
export function evaluate(application: unknown, wanted: string): Verdict {
  const o = observe(application);
  const now = describeStatus(o);
  const opOfWanted = o.operationPhase !== "" && (wanted === "" || o.operationRevisions.some((r) => sameRevision(r, wanted)));
  if (opOfWanted && (o.operationPhase === "Failed" || o.operationPhase === "Error")) {
    const rev = wanted ? shortRevision(wanted) : o.operationRevisions.map(shortRevision).join(",") || "the last revision";
    return { state: "failed", why: `the sync operation for ${rev} ended ${o.operationPhase}${o.operationMessage ? `: ${o.operationMessage}` : ""}` };
  }
  if (opOfWanted && (o.operationPhase === "Running" || o.operationPhase === "Terminating")) {
    return { state: "waiting", why: `${now}: the sync operation is ${o.operationPhase.toLowerCase()}` };
  }
  const atWanted = o.revisions.length > 0 && o.revisions.some((r) => sameRevision(r, wanted));
  if (!atWanted) {
    return { state: "waiting", why: `${now}: ${o.revisions.length ? `not at ${shortRevision(wanted)} yet` : "Argo CD has not compared it yet"}` };
  }
  if (o.sync !== "Synced") return { state: "waiting", why: `${now}: not Synced yet` };
  if (o.health === "Healthy") return { state: "ready", why: now };
  if (o.health === "Degraded") {
    return { state: "degraded", why: `${now}${o.unhealthy.length ? `: ${o.unhealthy.join("; ")}` : ""}` };
  }
  return { state: "waiting", why: `${now}: not Healthy yet` };
}
