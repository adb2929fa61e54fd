/**
 * verify's reading of an Application object: the fixtures (real-shaped, CRD-validated) and
 * every combination of sync status, health, operation phase and revision, property-based.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate, observe, sameRevision, shortRevision } from "../../dagger/src/core/verify/status.js";
import { FIXTURES, NEW_REVISION, OLD_REVISION } from "../helpers/argocd.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

describe("the fixtures read as Argo CD means them", () => {
  it.each([
    ["dev-1-synced-old.json", NEW_REVISION, "waiting", /Synced\/Healthy at 8e1f3c0 \(operation Succeeded\): not at 1a2b3c4 yet/],
    ["dev-1-synced-old.json", "", "ready", /Synced\/Healthy at 8e1f3c0/],
    ["dev-1-synced-old.json", OLD_REVISION, "ready", /Synced\/Healthy/],
    ["dev-2-outofsync-new.json", NEW_REVISION, "waiting", /OutOfSync\/Healthy at 1a2b3c4 .*not Synced yet/],
    ["dev-3-progressing-new.json", NEW_REVISION, "waiting", /the sync operation is running/],
    ["dev-4-healthy-new.json", NEW_REVISION, "ready", /Synced\/Healthy at 1a2b3c4/],
    ["dev-4-healthy-new.json", NEW_REVISION.slice(0, 7), "ready", /Synced\/Healthy/],
    ["dev-4-healthy-new.json", NEW_REVISION.toUpperCase().slice(0, 12), "ready", /Synced\/Healthy/],
    ["dev-4-healthy-new.json", OLD_REVISION, "waiting", /not at 8e1f3c0 yet/],
    ["dev-degraded-new.json", NEW_REVISION, "degraded", /Deployment\/gitops-demo: Degraded \(Deployment "gitops-demo" exceeded its progress deadline\)/],
    ["dev-sync-failed-new.json", NEW_REVISION, "failed", /the sync operation for 1a2b3c4 ended Failed: one or more objects failed to apply/],
    // The failed operation was for the new revision; waiting for the old one does not fail on it.
    ["dev-sync-failed-new.json", OLD_REVISION, "waiting", /not at 8e1f3c0 yet/],
    ["staging-multi-source-healthy.json", NEW_REVISION, "ready", /at 0\.4\.1,1a2b3c4/],
  ])("%s wanting %j → %s", (name, wanted, state, why) => {
    const v = evaluate(fixture(name), wanted);
    expect(v.state).toBe(state);
    expect(v.why).toMatch(why);
  });

  it("observes conditions, the operation and the multi-source revisions", () => {
    const failed = observe(fixture("dev-sync-failed-new.json"));
    expect(failed).toMatchObject({
      sync: "OutOfSync",
      health: "Healthy",
      operationPhase: "Failed",
      operationRevisions: [NEW_REVISION],
      revisions: [NEW_REVISION],
    });
    expect(failed.conditions).toEqual([{ type: "SyncError", message: expect.stringMatching(/^Failed sync attempt/) }]);
    expect(observe(fixture("staging-multi-source-healthy.json")).revisions).toEqual(["0.4.1", NEW_REVISION]);
  });

  it("an object without status (just created) is waiting, never an error", () => {
    for (const o of [{}, { status: {} }, null, "x", { status: { sync: "weird", health: 3, conditions: "no" } }]) {
      expect(evaluate(o, NEW_REVISION).state).toBe("waiting");
    }
  });
});

describe("revisions", () => {
  it("a wanted prefix matches the full sha case-insensitively; another sha never does", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{40}$/), fc.integer({ min: 7, max: 40 }), fc.stringMatching(/^[0-9a-f]{40}$/), (sha, n, other) => {
        expect(sameRevision(sha, sha.slice(0, n))).toBe(true);
        expect(sameRevision(sha.toUpperCase(), sha.slice(0, n))).toBe(true);
        expect(sameRevision(sha, "")).toBe(true);
        if (!sha.startsWith(other.slice(0, n))) expect(sameRevision(sha, other.slice(0, n))).toBe(false);
      }),
    );
  });

  it("shortens shas only", () => {
    expect(shortRevision(NEW_REVISION)).toBe("1a2b3c4");
    expect(shortRevision("0.4.1")).toBe("0.4.1");
  });
});

const SYNC = ["Synced", "OutOfSync", "Unknown", ""] as const;
const HEALTH = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown", ""] as const;
const PHASE = ["", "Running", "Succeeded", "Failed", "Error", "Terminating"] as const;

/** An Application with these status fields, shaped like the fixtures. */
function app(sync: string, health: string, revision: string, phase: string, opRevision: string): unknown {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "a", namespace: "argocd" },
    spec: { project: "default", destination: { server: "https://kubernetes.default.svc", namespace: "a" } },
    status: {
      sync: { status: sync, ...(revision ? { revision } : {}) },
      health: { status: health },
      ...(phase
        ? {
            operationState: {
              phase,
              message: `op ${phase}`,
              startedAt: "2026-12-03T01:00:00Z",
              operation: { sync: { revision: opRevision } },
              syncResult: { revision: opRevision },
            },
          }
        : {}),
    },
  };
}

describe("every sync/health/phase combination", () => {
  const arb = fc.record({
    sync: fc.constantFrom(...SYNC),
    health: fc.constantFrom(...HEALTH),
    phase: fc.constantFrom(...PHASE),
    atWanted: fc.boolean(),
    opOfWanted: fc.boolean(),
    wantAny: fc.boolean(),
  });

  it("ready exactly when Synced and Healthy at the wanted revision with no operation of it failed or running", () => {
    fc.assert(
      fc.property(arb, (c) => {
        const wanted = c.wantAny ? "" : NEW_REVISION.slice(0, 9);
        const rev = c.atWanted ? NEW_REVISION : OLD_REVISION;
        const opRev = c.opOfWanted ? NEW_REVISION : OLD_REVISION;
        const v = evaluate(app(c.sync, c.health, rev, c.phase, opRev), wanted);
        const matches = c.wantAny || c.atWanted;
        const opCounts = c.phase !== "" && (c.wantAny || c.opOfWanted);
        const opFinalBad = opCounts && (c.phase === "Failed" || c.phase === "Error");
        const opBusy = opCounts && (c.phase === "Running" || c.phase === "Terminating");
        const expected = opFinalBad
          ? "failed"
          : opBusy
            ? "waiting"
            : matches && c.sync === "Synced" && c.health === "Healthy"
              ? "ready"
              : matches && c.sync === "Synced" && c.health === "Degraded"
                ? "degraded"
                : "waiting";
        expect(v.state).toBe(expected);
        // The reason is one line and names what was seen.
        expect(v.why).not.toMatch(/\n/);
        if (v.state !== "failed") expect(v.why).toContain(c.sync || "no sync status");
      }),
      { numRuns: 500 },
    );
  });

  it("a failure names the operation's phase and message", () => {
    fc.assert(
      fc.property(fc.constantFrom("Failed", "Error"), fc.constantFrom(...SYNC), fc.constantFrom(...HEALTH), (phase, sync, health) => {
        const v = evaluate(app(sync, health, NEW_REVISION, phase, NEW_REVISION), NEW_REVISION);
        expect(v).toEqual({ state: "failed", why: `the sync operation for 1a2b3c4 ended ${phase}: op ${phase}` });
      }),
    );
  });
});
