import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parse } from "yaml";
import { evaluatePolicy, POLICY_RULES, PolicyTuning, TUNABLE_RULES } from "../../dagger/src/core/validate/policy/index.js";
import { loadPolicyTuning } from "../../dagger/src/core/validate/policy/load.js";
import { PROFILE_TABLE, profileLevel } from "../../dagger/src/core/validate/policy/profiles.js";
import { DEFAULT_POLICY, parseWaiversFile, policySchema, type FileWaiver, type PolicySettings } from "../../dagger/src/core/validate/policy/settings.js";
import { globMatches, matchesObject } from "../../dagger/src/core/validate/policy/tuning.js";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { deployment, pdb, type Obj } from "./policy-fixtures.js";

const sc = (c: Obj) => c.securityContext as Obj;
/** The fixture Deployment with a writable root filesystem and no probes: three findings. */
const loose = () =>
  deployment(({ container }) => {
    sc(container).readOnlyRootFilesystem = false;
    delete container.livenessProbe;
    delete container.readinessProbe;
  });

const settings = (s: Partial<PolicySettings>): PolicySettings => policySchema.parse(s);
const tuning = (s: Partial<PolicySettings> = {}, waivers: FileWaiver[] = [], today = "2026-12-07") =>
  new PolicyTuning({ settings: settings(s), waivers, today }, TUNABLE_RULES);
const waiver = (w: Omit<FileWaiver, "file" | "path"> & { path?: string }): FileWaiver => ({ file: "policy-waivers.yaml", path: "waivers[0]", ...w });
const rulesOf = (fs: { rule: string; severity: string }[], severity: string) =>
  fs
    .filter((f) => f.severity === severity)
    .map((f) => f.rule)
    .sort();
const dev = { app: "demo", environment: "dev" };

describe("policy levels", () => {
  it("without tuning every rule is an error (today's behaviour)", () => {
    const found = evaluatePolicy([loose(), pdb()], { production: true });
    expect(rulesOf(found, "error")).toEqual(["POL-LIVENESS-PROBE", "POL-READ-ONLY-ROOT-FS", "POL-READINESS-PROBE"]);
  });

  it("warning lowers a rule, off runs no check; global, per app and per environment, the most specific winning", () => {
    const t = tuning({
      rules: { "POL-READ-ONLY-ROOT-FS": "warning", "POL-LIVENESS-PROBE": "off" },
      apps: { demo: { rules: { "POL-READINESS-PROBE": "warning", "POL-READ-ONLY-ROOT-FS": "error" } } },
      environments: { dev: { rules: { "POL-READ-ONLY-ROOT-FS": "off" } } },
    });
    const inDev = evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: t });
    expect(inDev.map((f) => [f.rule, f.severity])).toEqual([["POL-READINESS-PROBE", "warning"]]);
    const inProd = evaluatePolicy([loose(), pdb()], { production: true, scope: { app: "demo", environment: "prod" }, tuning: t });
    expect(inProd.map((f) => [f.rule, f.severity])).toEqual([
      ["POL-READ-ONLY-ROOT-FS", "error"],
      ["POL-READINESS-PROBE", "warning"],
    ]);
    const otherApp = evaluatePolicy([loose(), pdb()], { production: true, scope: { app: "other", environment: "prod" }, tuning: t });
    expect(otherApp.map((f) => [f.rule, f.severity])).toEqual([
      ["POL-READ-ONLY-ROOT-FS", "warning"],
      ["POL-READINESS-PROBE", "error"],
    ]);
  });

  it("resolution is the most specific explicit level, else the profile's (property)", () => {
    const level = fc.constantFrom("error", "warning", "off") as fc.Arbitrary<"error" | "warning" | "off">;
    const maybe = fc.option(level, { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom(...POLICY_RULES.map((r) => r.id)),
        maybe,
        maybe,
        maybe,
        fc.constantFrom("strict", "restricted", "baseline") as fc.Arbitrary<"strict" | "restricted" | "baseline">,
        (rule, g, a, e, profile) => {
          const t = tuning({
            profile,
            rules: g ? { [rule]: g } : {},
            apps: { demo: { rules: a ? { [rule]: a } : {} } },
            environments: { dev: { rules: e ? { [rule]: e } : {} } },
          });
          expect(t.level(rule, "error", dev)).toBe(e ?? a ?? g ?? profileLevel(profile, rule, "error"));
          // Another environment of the same app never sees dev's level.
          expect(t.level(rule, "error", { app: "demo", environment: "prod" })).toBe(a ?? g ?? profileLevel(profile, rule, "error"));
        },
      ),
    );
  });

  it("rule ids in levels are case-insensitive; a bad level or rule id is a readable schema error naming the path", () => {
    expect(settings({ rules: { "pol-resources": "off" } as never }).rules).toEqual({ "POL-RESOURCES": "off" });
    const text = (policy: string) => `chart: charts/c\nenvironments:\n  dev: {values: [v.yaml]}\npolicy:\n${policy}`;
    expect(() => parsePipelineConfig(text("  rules: {POL-RESOURCES: loud}"))).toThrow(
      /gitops-pipeline.yaml: policy.rules.POL-RESOURCES: is not a level: use error, warning or off/,
    );
    expect(() => parsePipelineConfig(text("  profile: paranoid"))).toThrow(/gitops-pipeline.yaml: policy.profile: is not a profile/);
    expect(() => parsePipelineConfig(text("  rules: {RESOURCES: off}"))).toThrow(/policy.rules.RESOURCES: is not a policy rule id/);
    expect(() => parsePipelineConfig(text("  environment: {}"))).toThrow(/gitops-pipeline.yaml: policy/);
    expect(parsePipelineConfig(text("  profile: baseline\n  environments: {dev: {rules: {POL-RESOURCES: warning}}}")).policy).toMatchObject({
      profile: "baseline",
      environments: { dev: { rules: { "POL-RESOURCES": "warning" } } },
    });
  });

  it("an unknown rule, app or environment in the tuning is an InputError naming gitops-pipeline.yaml and the path", async () => {
    const pipeline = (policy: string) => parsePipelineConfig(`chart: charts/c\nenvironments:\n  dev: {values: [v.yaml]}\npolicy:\n${policy}`);
    const load = (policy: string) => loadPolicyTuning({ hasFile: () => false, read: async () => "" }, pipeline(policy));
    await expect(load("  rules: {POL-NOPE: off}")).rejects.toThrow(/gitops-pipeline.yaml: policy.rules.POL-NOPE: is not a policy rule/);
    await expect(load("  apps: {orders: {rules: {}}}")).rejects.toThrow(/policy.apps.orders: is not an app of this tree. use one of: gitops-demo/);
    await expect(load("  environments: {prod: {rules: {}}}")).rejects.toThrow(/policy.environments.prod: is not an environment of this tree. use one of: dev/);
    await expect(load("  waivers: team/waivers.yaml")).rejects.toThrow(/policy.waivers: names team\/waivers.yaml, which is not in the gitops tree/);
    await expect(load("  rules: {POL-WAIVER-UNUSED: warning}")).resolves.toBeInstanceOf(PolicyTuning);
  });
});

describe("profiles (Pod Security Standards levels)", () => {
  it("every row names a real rule; strict keeps every rule at its own severity (an error but where a rule declares itself a warning)", () => {
    for (const rule of Object.keys(PROFILE_TABLE)) expect(TUNABLE_RULES.has(rule), rule).toBe(true);
    for (const r of POLICY_RULES) expect(profileLevel("strict", r.id, r.severity), r.id).toBe(r.severity);
    expect(POLICY_RULES.filter((r) => PROFILE_TABLE[r.id] !== undefined).every((r) => r.severity === "error")).toBe(true);
  });

  it("restricted: the PSS rules stay errors, hardening beyond PSS becomes a warning; the production rules stay errors", () => {
    const t = tuning({ profile: "restricted" });
    const noRunAsNonRoot = deployment(({ container, pod }) => {
      delete sc(container).runAsNonRoot;
      delete (pod.securityContext as Obj).runAsNonRoot;
      delete container.livenessProbe;
    }, 1);
    const found = evaluatePolicy([noRunAsNonRoot], { production: true, scope: dev, tuning: t });
    expect(rulesOf(found, "error")).toEqual(["POL-PROD-PDB", "POL-PROD-REPLICAS", "POL-RUN-AS-NON-ROOT"]);
    expect(rulesOf(found, "warning")).toEqual(["POL-LIVENESS-PROBE"]);
  });

  it("baseline: restricted-only settings are warnings, but a violation that breaks baseline itself stays an error", () => {
    const t = tuning({ profile: "baseline" });
    const judge = (edit: Parameters<typeof deployment>[0]) =>
      evaluatePolicy([deployment(edit), pdb()], { production: false, scope: dev, tuning: t }).map((f) => [f.rule, f.severity]);
    expect(judge(({ container }) => void delete sc(container).allowPrivilegeEscalation)).toEqual([["POL-NO-PRIVILEGE-ESCALATION", "warning"]]);
    expect(judge(({ container }) => void (sc(container).privileged = true))).toEqual([["POL-NO-PRIVILEGE-ESCALATION", "error"]]);
    expect(judge(({ container }) => void ((sc(container).capabilities as Obj).add = ["NET_BIND_SERVICE"]))).toEqual([["POL-NO-ADDED-CAPABILITIES", "warning"]]);
    expect(judge(({ container }) => void ((sc(container).capabilities as Obj).add = ["SYS_ADMIN"]))).toEqual([["POL-NO-ADDED-CAPABILITIES", "error"]]);
    expect(
      judge(({ container, pod }) => {
        delete sc(container).seccompProfile;
        delete (pod.securityContext as Obj).seccompProfile;
      }),
    ).toEqual([["POL-SECCOMP", "warning"]]);
    expect(judge(({ container }) => void (sc(container).seccompProfile = { type: "Unconfined" }))).toEqual([["POL-SECCOMP", "error"]]);
    expect(judge(({ pod }) => void (pod.hostPID = true))).toEqual([["POL-NO-HOST-NAMESPACES", "error"]]);
    // An explicit level beats the profile, also for a baseline-breaking violation.
    const lowered = tuning({ profile: "baseline", rules: { "POL-NO-PRIVILEGE-ESCALATION": "warning" } });
    expect(
      evaluatePolicy([deployment(({ container }) => void (sc(container).privileged = true)), pdb()], { production: false, scope: dev, tuning: lowered }).map(
        (f) => f.severity,
      ),
    ).toEqual(["warning"]);
  });

  it("a profile can be set per environment", () => {
    const t = tuning({ profile: "strict", environments: { dev: { profile: "restricted", rules: {} } } });
    expect(rulesOf(evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: t }), "error")).toEqual([]);
    expect(rulesOf(evaluatePolicy([loose(), pdb()], { production: false, scope: { app: "demo", environment: "prod" }, tuning: t }), "error")).toHaveLength(3);
  });
});

describe("the waivers file", () => {
  it("parses one rule or a list, a value or a list per selector field, the expiry as a date; errors name the file and the path", () => {
    const ws = parseWaiversFile(
      "waivers:\n  - rule: pol-resources\n    match: {kind: Deployment, name: [web, worker]}\n    reason: sized by the vendor\n    expires: 2027-01-31\n  - rule: [POL-LIVENESS-PROBE, POL-READINESS-PROBE]\n    match: {environment: dev}\n",
      "policy-waivers.yaml",
    );
    expect(ws).toEqual([
      {
        rules: ["POL-RESOURCES"],
        match: { kind: ["Deployment"], name: ["web", "worker"] },
        reason: "sized by the vendor",
        expires: "2027-01-31",
        file: "policy-waivers.yaml",
        path: "waivers[0]",
        line: 2,
      },
      { rules: ["POL-LIVENESS-PROBE", "POL-READINESS-PROBE"], match: { environment: ["dev"] }, file: "policy-waivers.yaml", path: "waivers[1]", line: 6 },
    ]);
    const bad = (text: string) => () => parseWaiversFile(text, "team/waivers.yaml");
    expect(bad("waivers:\n  - rule: POL-RESOURCES\n    match: {kind: Deployment}\n    reason: r\n    expires: next week\n")).toThrow(
      /team\/waivers.yaml: waivers.0.expires: is not a date: write YYYY-MM-DD/,
    );
    expect(bad("waivers:\n  - rule: POL-RESOURCES\n    match: {}\n    reason: r\n")).toThrow(/team\/waivers.yaml: waivers.0.match: selects every object/);
    expect(bad("waivers:\n  - rule: POL-RESOURCES\n    match: {kind: Deployment, container: app}\n    reason: r\n")).toThrow(/waivers.0.match/);
    expect(bad("waivers:\n  - match: {kind: Deployment}\n")).toThrow(/waivers.0.rule/);
    expect(bad("waivers: [\n")).toThrow(/team\/waivers.yaml: is not valid YAML/);
    expect(bad("exemptions: []\n")).toThrow(/team\/waivers.yaml/);
    expect(parseWaiversFile("", "w.yaml")).toEqual([]);
  });

  it("a waiver waives its rule on the objects it selects: info with the reason and where the waiver is", () => {
    const t = tuning({}, [
      waiver({
        rules: ["POL-READ-ONLY-ROOT-FS"],
        match: { kind: ["deployment"], name: ["de*"], environment: ["dev"] },
        reason: "the vendor's image writes to /var/cache",
        expires: "2026-12-31",
      }),
    ]);
    const found = evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: t });
    const waived = found.find((f) => f.rule === "POL-READ-ONLY-ROOT-FS")!;
    expect(waived).toMatchObject({ severity: "info", waived: "the vendor's image writes to /var/cache" });
    expect(waived.message).toMatch(/^waived \(the vendor's image writes to \/var\/cache; policy-waivers.yaml waivers\[0\], until 2026-12-31\): /);
    expect(waived.hint).toBeUndefined();
    expect(rulesOf(found, "error")).toEqual(["POL-LIVENESS-PROBE", "POL-READINESS-PROBE"]);
    expect(t.fileFindings()).toEqual([]);
    // Not in prod: the selector names dev.
    const prod = evaluatePolicy([loose(), pdb()], { production: false, scope: { app: "demo", environment: "prod" }, tuning: t });
    expect(rulesOf(prod, "error")).toContain("POL-READ-ONLY-ROOT-FS");
  });

  it("a waiver without a reason or naming an unknown rule waives nothing and is a POL-WAIVER finding on the file", () => {
    const t = tuning({}, [
      waiver({ rules: ["POL-READ-ONLY-ROOT-FS"], match: { kind: ["Deployment"] }, line: 3 }),
      waiver({ rules: ["POL-NOPE"], match: { kind: ["Deployment"] }, reason: "r", path: "waivers[1]" }),
    ]);
    expect(rulesOf(evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: t }), "error")).toContain("POL-READ-ONLY-ROOT-FS");
    const file = t.fileFindings();
    expect(file.map((f) => [f.rule, f.severity, f.file, f.path])).toEqual([
      ["POL-WAIVER", "error", "policy-waivers.yaml", "waivers[0].reason"],
      ["POL-WAIVER", "error", "policy-waivers.yaml", "waivers[1].rule"],
    ]);
    expect(file[0]).toMatchObject({ line: 3 });
    expect(file[0]!.message).toMatch(/gives no reason, so it waives nothing/);
    expect(file[1]!.message).toMatch(/unknown rule POL-NOPE/);
  });

  it("an expired waiver waives nothing and is a POL-WAIVER-EXPIRED error; it still applies on its last day", () => {
    const w = waiver({ rules: ["POL-READ-ONLY-ROOT-FS"], match: { kind: ["Deployment"] }, reason: "until the vendor fixes it", expires: "2026-12-06" });
    const lastDay = tuning({}, [w], "2026-12-06");
    expect(rulesOf(evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: lastDay }), "info")).toEqual(["POL-READ-ONLY-ROOT-FS"]);
    expect(lastDay.fileFindings()).toEqual([]);
    const after = tuning({}, [w], "2026-12-07");
    expect(rulesOf(evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: after }), "error")).toContain("POL-READ-ONLY-ROOT-FS");
    const [expired] = after.fileFindings();
    expect(expired).toMatchObject({ rule: "POL-WAIVER-EXPIRED", severity: "error", path: "waivers[0].expires" });
    expect(expired!.message).toMatch(/expired on 2026-12-06 \(today is 2026-12-07\)/);
    // Its level is tunable like any rule's.
    const tuned = tuning({ rules: { "POL-WAIVER-EXPIRED": "warning" } }, [w], "2026-12-07");
    expect(tuned.fileFindings().map((f) => f.severity)).toEqual(["warning"]);
  });

  it("a waiver that waives nothing of what was judged is POL-WAIVER-UNUSED (info); one outside every judged environment is not", () => {
    const t = tuning({}, [
      waiver({ rules: ["POL-RESOURCES"], match: { kind: ["Deployment"] }, reason: "r" }),
      waiver({ rules: ["POL-READ-ONLY-ROOT-FS"], match: { environment: ["staging"] }, reason: "r", path: "waivers[1]" }),
    ]);
    evaluatePolicy([loose(), pdb()], { production: false, scope: dev, tuning: t });
    expect(t.fileFindings().map((f) => [f.rule, f.severity, f.path])).toEqual([["POL-WAIVER-UNUSED", "info", "waivers[0].match"]]);
  });

  it("glob: `*` matches any text, everything else literally (property)", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", ".", "-", "(", "?", "+") });
    fc.assert(
      fc.property(text, text, text, (pre, mid, post) => {
        expect(globMatches(`${pre}*${post}`, `${pre}${mid}${post}`)).toBe(true);
        expect(globMatches(pre, pre)).toBe(true);
        expect(globMatches("*", mid)).toBe(true);
        if (mid !== pre) expect(globMatches(pre, mid)).toBe(false);
      }),
    );
  });

  it("a selector made of an object's own fields matches it; changing any one field to another value does not (property)", () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const fields = ["kind", "name", "namespace", "environment", "app"] as const;
    fc.assert(
      fc.property(
        fc.record({ kind: word, name: word, namespace: word, environment: word, app: word }),
        fc.subarray([...fields], { minLength: 1 }),
        fc.constantFrom(...fields),
        word,
        (o, chosen, changed, other) => {
          const m = { kind: o.kind, name: o.name, namespace: o.namespace };
          const scope = { app: o.app, environment: o.environment };
          const match = Object.fromEntries(chosen.map((k) => [k, [o[k]]]));
          expect(matchesObject(match, m, scope)).toBe(true);
          if (chosen.includes(changed) && other !== o[changed]) {
            const moved = { ...o, [changed]: other };
            expect(
              matchesObject(match, { kind: moved.kind, name: moved.name, namespace: moved.namespace }, { app: moved.app, environment: moved.environment }),
            ).toBe(changed === "kind" && other.toLowerCase() === o.kind.toLowerCase());
          }
        },
      ),
    );
  });
});

describe("hints", () => {
  it("every finding that is not waived says how to waive it; the waiver it proposes, filled in, waives exactly that finding (property)", () => {
    const breaks: Parameters<typeof deployment>[0][] = [
      ({ container }) => void (sc(container).readOnlyRootFilesystem = false),
      ({ container }) => void delete container.livenessProbe,
      ({ pod }) => void (pod.hostNetwork = true),
      ({ container }) => void (container.image = "nginx:latest"),
    ];
    fc.assert(
      fc.property(fc.subarray(breaks, { minLength: 1 }), fc.constantFrom("dev", "prod"), fc.boolean(), (edits, environment, multiApp) => {
        const objects = [deployment((d) => edits.forEach((e) => e!(d))), pdb()];
        const scope = { app: "demo", environment };
        const t = new PolicyTuning({ multiApp, today: "2026-12-07" }, TUNABLE_RULES);
        const found = evaluatePolicy(objects, { production: false, scope, tuning: t });
        expect(found.length).toBeGreaterThan(0);
        for (const f of found) {
          expect(f.hint, f.rule).toMatch(
            new RegExp(
              `^to waive: add \\{rule: ${f.rule}, match: \\{.*\\}, reason: "<why>"\\} to policy-waivers.yaml \\(waivers:\\); or set policy.environments.${environment}.rules.${f.rule}: warning in gitops-pipeline.yaml$`,
            ),
          );
          const entry = parse(/add (\{.*\}) to policy-waivers.yaml/.exec(f.hint!)![1]!.replace("<why>", "accepted")) as {
            rule: string;
            match: Record<string, string>;
            reason: string;
          };
          const ws = parseWaiversFile(`waivers:\n  - ${JSON.stringify(entry)}\n`, "policy-waivers.yaml");
          const again = evaluatePolicy(objects, {
            production: false,
            scope,
            tuning: new PolicyTuning({ waivers: ws, multiApp, today: "2026-12-07" }, TUNABLE_RULES),
          });
          expect(again.filter((g) => g.severity === "info").map((g) => [g.rule, g.path])).toEqual([[f.rule, f.path]]);
          // Setting the level the hint names lowers exactly that rule.
          const lowered = evaluatePolicy(objects, {
            production: false,
            scope,
            tuning: new PolicyTuning({ settings: settings({ environments: { [environment]: { rules: { [f.rule]: "warning" } } } }) }, TUNABLE_RULES),
          });
          expect(lowered.filter((g) => g.severity === "warning").map((g) => g.rule)).toEqual(found.filter((g) => g.rule === f.rule).map(() => f.rule));
        }
      }),
      { numRuns: 30 },
    );
  });

  it("the default tuning needs no settings and keeps DEFAULT_POLICY", () => {
    expect(new PolicyTuning().settings).toEqual(DEFAULT_POLICY);
  });
});

describe("annotation waivers still apply next to the file", () => {
  it("the annotation wins and the file's waiver for the same finding then waived nothing", async () => {
    const annotated = deployment(({ container, meta }) => {
      sc(container).readOnlyRootFilesystem = false;
      meta.annotations = { "gitops-pipeline.dev/waive": "POL-READ-ONLY-ROOT-FS: annotated on the object" };
    });
    const t = tuning({}, [waiver({ rules: ["POL-READ-ONLY-ROOT-FS"], match: { kind: ["Deployment"] }, reason: "from the file" })]);
    const found = evaluatePolicy([annotated, pdb()], { production: false, scope: dev, tuning: t });
    expect(found.map((f) => [f.rule, f.severity, f.waived])).toEqual([["POL-READ-ONLY-ROOT-FS", "info", "annotated on the object"]]);
    expect(t.fileFindings().map((f) => f.rule)).toEqual(["POL-WAIVER-UNUSED"]);
    await expect(
      loadPolicyTuning(
        { hasFile: () => true, read: async () => "waivers: [{rule: POL-X}]" },
        parsePipelineConfig("chart: c\nenvironments: {dev: {values: [v.yaml]}}\n"),
      ),
    ).rejects.toBeInstanceOf(InputError);
  });
});
