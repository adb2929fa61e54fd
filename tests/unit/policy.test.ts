import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evaluatePolicy, POLICY_RULES, WAIVER_ANNOTATION } from "../../dagger/src/core/validate/policy/index.js";
import { imageParts } from "../../dagger/src/core/validate/policy/workload.js";
import { deployment, goodContainer, hpa, manifest, OTHER_OBJECT_BREAKS, pdb, WARNING_BREAKS, type Obj } from "./policy-fixtures.js";

type Edit = Parameters<typeof deployment>[0] & {};
const sc = (c: Obj) => c.securityContext as Obj;

/** One way to break each rule, and the field path the finding must name. */
const BREAKS: Record<string, { edit: Edit; path: string }> = {
  "POL-RUN-AS-NON-ROOT": {
    edit: ({ container, pod }) => {
      delete sc(container).runAsNonRoot;
      delete (pod.securityContext as Obj).runAsNonRoot;
    },
    path: "spec.template.spec.containers[0].securityContext.runAsNonRoot",
  },
  "POL-READ-ONLY-ROOT-FS": {
    edit: ({ container }) => {
      sc(container).readOnlyRootFilesystem = false;
    },
    path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
  },
  "POL-NO-PRIVILEGE-ESCALATION": {
    edit: ({ container }) => {
      delete sc(container).allowPrivilegeEscalation;
    },
    path: "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
  },
  "POL-DROP-ALL-CAPABILITIES": {
    edit: ({ container }) => {
      (sc(container).capabilities as Obj).drop = ["NET_RAW"];
    },
    path: "spec.template.spec.containers[0].securityContext.capabilities.drop",
  },
  "POL-NO-ADDED-CAPABILITIES": {
    edit: ({ container }) => {
      (sc(container).capabilities as Obj).add = ["NET_ADMIN"];
    },
    path: "spec.template.spec.containers[0].securityContext.capabilities.add",
  },
  "POL-SECCOMP": {
    edit: ({ container, pod }) => {
      delete sc(container).seccompProfile;
      delete (pod.securityContext as Obj).seccompProfile;
    },
    path: "spec.template.spec.containers[0].securityContext.seccompProfile.type",
  },
  "POL-LIVENESS-PROBE": {
    edit: ({ container }) => {
      delete container.livenessProbe;
    },
    path: "spec.template.spec.containers[0].livenessProbe",
  },
  "POL-READINESS-PROBE": {
    edit: ({ container }) => {
      delete container.readinessProbe;
    },
    path: "spec.template.spec.containers[0].readinessProbe",
  },
  "POL-RESOURCES": {
    edit: ({ container }) => {
      delete ((container.resources as Obj).limits as Obj).memory;
    },
    path: "spec.template.spec.containers[0].resources",
  },
  "POL-IMAGE-TAG": {
    edit: ({ container }) => {
      container.image = "ghcr.io/example/gitops-demo:latest";
    },
    path: "spec.template.spec.containers[0].image",
  },
  "POL-NO-HOST-NAMESPACES": {
    edit: ({ pod }) => {
      pod.hostNetwork = true;
    },
    path: "spec.template.spec.hostNetwork",
  },
  "POL-NO-HOST-PATH": {
    edit: ({ pod }) => {
      pod.volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }];
    },
    path: "spec.template.spec.volumes[0].hostPath",
  },
  "POL-ENV-SECRET-LITERAL": {
    edit: ({ container }) => {
      container.env = [
        { name: "LOG_LEVEL", value: "info" },
        { name: "DB_PASSWORD", value: "hunter2" },
      ];
    },
    path: "spec.template.spec.containers[0].env[1].value",
  },
  "POL-SCRAPE-PORT": {
    edit: ({ spec }) => {
      ((spec.template as Obj).metadata as Obj).annotations = { "prometheus.io/scrape": "true", "prometheus.io/port": "9102" };
    },
    path: "spec.template.metadata.annotations.prometheus.io/port",
  },
  "POL-PROD-REPLICAS": {
    edit: ({ spec }) => {
      spec.replicas = 1;
    },
    path: "spec.replicas",
  },
  "POL-PROD-PDB": {
    edit: ({ spec }) => {
      ((spec.template as Obj).metadata as Obj).labels = { app: "other" };
    },
    path: "spec.template.metadata.labels",
  },
};

const errors = (fs: ReturnType<typeof evaluatePolicy>) => fs.filter((f) => f.severity === "error");

describe("policy rules", () => {
  it("a compliant production Deployment with its PodDisruptionBudget has no findings", () => {
    expect(evaluatePolicy([deployment(), pdb()], { production: true })).toEqual([]);
  });

  it("every rule has a breaking fixture (and the rule ids are unique)", () => {
    // Rules on the Deployment break here; the Ingress and ServiceMonitor ones in policy-services.test.ts.
    expect([...Object.keys(BREAKS), ...Object.keys(OTHER_OBJECT_BREAKS), ...Object.keys(WARNING_BREAKS)].sort()).toEqual(POLICY_RULES.map((r) => r.id).sort());
    expect(new Set(POLICY_RULES.map((r) => r.id)).size).toBe(POLICY_RULES.length);
  });

  for (const [rule, { edit, path }] of Object.entries(BREAKS)) {
    it(`${rule}: one finding naming the object, the field and the template`, () => {
      const found = errors(evaluatePolicy([deployment(edit), pdb()], { production: true }));
      expect(found.map((f) => f.rule)).toEqual([rule]);
      expect(found[0]).toMatchObject({ source: "policy", object: "Deployment/demo-prod/demo", path, template: "templates/deployment.yaml", severity: "error" });
      expect(found[0]!.message.length).toBeGreaterThan(10);
    });
  }

  it("any combination of breaks fires exactly the broken rules", () => {
    const ids = Object.keys(BREAKS);
    fc.assert(
      fc.property(fc.subarray(ids, { minLength: 0 }), (chosen) => {
        const m = deployment((d) => chosen.forEach((id) => BREAKS[id]!.edit(d)));
        const fired = new Set(errors(evaluatePolicy([m, pdb()], { production: true })).map((f) => f.rule));
        // Breaking the pod labels also unselects the PDB; that is the only coupling.
        expect([...fired].sort()).toEqual([...new Set(chosen)].sort());
      }),
      { numRuns: 200 },
    );
  });

  it("production rules do not apply outside production", () => {
    const m = deployment(({ spec }) => {
      spec.replicas = 1;
    });
    expect(evaluatePolicy([m], { production: false })).toEqual([]);
    expect(
      errors(evaluatePolicy([m], { production: true }))
        .map((f) => f.rule)
        .sort(),
    ).toEqual(["POL-PROD-PDB", "POL-PROD-REPLICAS"]);
  });

  it("replicas: an HPA's minReplicas counts instead of spec.replicas", () => {
    const noReplicas = deployment(({ spec }) => {
      delete spec.replicas;
    });
    expect(errors(evaluatePolicy([noReplicas, pdb(), hpa(2)], { production: true }))).toEqual([]);
    const low = errors(evaluatePolicy([noReplicas, pdb(), hpa(1)], { production: true }));
    expect(low.map((f) => f.rule)).toEqual(["POL-PROD-REPLICAS"]);
    expect(low[0]!.message).toMatch(/minReplicas is 1/);
    expect(errors(evaluatePolicy([noReplicas, pdb()], { production: true }))[0]!.message).toMatch(/unset/);
  });

  it("a PodDisruptionBudget in another namespace or with an empty selector does not count", () => {
    expect(errors(evaluatePolicy([deployment(), pdb(undefined, "elsewhere")], { production: true })).map((f) => f.rule)).toEqual(["POL-PROD-PDB"]);
    expect(errors(evaluatePolicy([deployment(), pdb({})], { production: true })).map((f) => f.rule)).toEqual(["POL-PROD-PDB"]);
  });

  it("container settings win over pod settings", () => {
    const m = deployment(({ container, pod }) => {
      (pod.securityContext as Obj).runAsNonRoot = false;
      sc(container).runAsUser = 0;
    });
    const f = errors(evaluatePolicy([m, pdb()], { production: true }));
    expect(f.map((x) => [x.rule, x.path])).toEqual([["POL-RUN-AS-NON-ROOT", "spec.template.spec.containers[0].securityContext.runAsUser"]]);
    // Pod-level non-root and seccomp are enough when the container does not say otherwise.
    const podLevel = deployment(({ container }) => {
      delete sc(container).runAsNonRoot;
      delete sc(container).seccompProfile;
    });
    expect(evaluatePolicy([podLevel, pdb()], { production: true })).toEqual([]);
  });

  it("checks init containers and every workload kind, probes only on long-running ones", () => {
    const init = deployment(({ pod }) => {
      pod.initContainers = [{ ...goodContainer("init"), image: "busybox" }];
    });
    const f = errors(evaluatePolicy([init, pdb()], { production: true }));
    expect(f.map((x) => [x.rule, x.path])).toEqual([["POL-IMAGE-TAG", "spec.template.spec.initContainers[0].image"]]);
    const c = goodContainer();
    delete c.livenessProbe;
    delete c.readinessProbe;
    (c.securityContext as Obj).privileged = true;
    const cron = manifest({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly" },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [c] } } } } },
    });
    expect(errors(evaluatePolicy([cron], { production: true })).map((x) => [x.rule, x.path])).toEqual([
      ["POL-NO-PRIVILEGE-ESCALATION", "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"],
    ]);
    const pod = manifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { hostPID: true, hostIPC: true, containers: [c] } });
    expect(errors(evaluatePolicy([pod], { production: false })).map((x) => x.path)).toEqual([
      "spec.containers[0].securityContext.privileged",
      "spec.hostPID",
      "spec.hostIPC",
    ]);
  });

  it("ignores objects without pods", () => {
    const svc = manifest({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } });
    expect(evaluatePolicy([svc], { production: true })).toEqual([]);
  });
});

describe("image references", () => {
  it.each([
    ["nginx", {}],
    ["nginx:1.27", { tag: "1.27" }],
    ["registry:5000/team/app", {}],
    ["registry:5000/team/app:v2", { tag: "v2" }],
    [`app@sha256:${"a".repeat(64)}`, { digest: `sha256:${"a".repeat(64)}` }],
    [`app:1.0@sha256:${"b".repeat(64)}`, { tag: "1.0", digest: `sha256:${"b".repeat(64)}` }],
  ])("%s", (image, parts) => {
    expect(imageParts(image)).toEqual(parts);
  });

  it("a digest pins the image even without a tag; no tag means latest", () => {
    const digest = deployment(({ container }) => {
      container.image = `ghcr.io/x/app@sha256:${"c".repeat(64)}`;
    });
    expect(evaluatePolicy([digest, pdb()], { production: true })).toEqual([]);
    const untagged = deployment(({ container }) => {
      container.image = "registry:5000/x/app";
    });
    expect(errors(evaluatePolicy([untagged, pdb()], { production: true }))[0]!.message).toMatch(/no tag/);
    const empty = deployment(({ container }) => {
      container.image = "";
    });
    expect(errors(evaluatePolicy([empty, pdb()], { production: true }))[0]!.message).toMatch(/no image/);
  });
});

describe("waivers", () => {
  const waived = (value: unknown) =>
    evaluatePolicy(
      [
        deployment(({ container, meta }) => {
          sc(container).readOnlyRootFilesystem = false;
          meta.annotations = { [WAIVER_ANNOTATION]: value };
        }),
        pdb(),
      ],
      { production: true },
    );

  it("a waiver with a reason turns the finding into info and keeps the reason", () => {
    const f = waived("POL-READ-ONLY-ROOT-FS: legacy agent writes /var/cache; OPS-42");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: "POL-READ-ONLY-ROOT-FS", severity: "info", waived: "legacy agent writes /var/cache; OPS-42" });
    expect(f[0]!.message).toMatch(/^waived \(legacy agent/);
  });

  it("several waivers, separated by new lines or by '; POL-', each with its own reason", () => {
    const f = evaluatePolicy(
      [
        deployment(({ container, meta }) => {
          sc(container).readOnlyRootFilesystem = false;
          delete container.livenessProbe;
          meta.annotations = { [WAIVER_ANNOTATION]: "POL-READ-ONLY-ROOT-FS: writes cache; pol-liveness-probe: batch-like worker" };
        }),
        pdb(),
      ],
      { production: true },
    );
    expect(f.map((x) => [x.rule, x.severity, x.waived])).toEqual([
      ["POL-READ-ONLY-ROOT-FS", "info", "writes cache"],
      ["POL-LIVENESS-PROBE", "info", "batch-like worker"],
    ]);
    const lines = waived("POL-SECCOMP: runtime has its own profile\nPOL-READ-ONLY-ROOT-FS: writes cache");
    expect(lines.map((x) => [x.rule, x.severity])).toEqual([["POL-READ-ONLY-ROOT-FS", "info"]]);
  });

  it("a waiver without a reason waives nothing and is itself an error", () => {
    for (const value of ["POL-READ-ONLY-ROOT-FS", "POL-READ-ONLY-ROOT-FS:", "POL-READ-ONLY-ROOT-FS:   "]) {
      const f = waived(value);
      expect(f.map((x) => [x.rule, x.severity])).toEqual([
        ["POL-WAIVER", "error"],
        ["POL-READ-ONLY-ROOT-FS", "error"],
      ]);
      expect(f[0]!.message).toMatch(/no reason/);
      expect(f[0]!.path).toBe(`metadata.annotations.${WAIVER_ANNOTATION}`);
    }
  });

  it("a waiver of an unknown rule is an error; a waiver of another rule does not apply", () => {
    const f = waived("POL-NOPE: because");
    expect(f.map((x) => [x.rule, x.severity])).toEqual([
      ["POL-WAIVER", "error"],
      ["POL-READ-ONLY-ROOT-FS", "error"],
    ]);
    expect(f[0]!.message).toMatch(/unknown rule POL-NOPE/);
    expect(waived("POL-SECCOMP: not this one").map((x) => [x.rule, x.severity])).toEqual([["POL-READ-ONLY-ROOT-FS", "error"]]);
    expect(waived(42)[0]!.message).toMatch(/must be a string/);
  });
});
