/**
 * Policy rules over 1,000 rendered objects (goal: median < 200 ms), and the multi-document parse
 * that precedes them. Each timed run gets its own freshly parsed objects, so no per-object cache
 * from an earlier run helps it.
 */
import { expect, it } from "vitest";
import { evaluatePolicy, POLICY_RULES } from "../../dagger/src/core/validate/policy/index.js";
import { parseManifests, type Manifest } from "../../dagger/src/core/validate/manifests.js";
import { bench } from "../helpers/bench.js";

const RUNS = 15;
const WARMUP = 3;

/** One release as the chart renders it for prod (7 objects), under a distinct name. */
function release(i: number): string {
  const name = `app-${i}`;
  const labels = `app.kubernetes.io/name: ${name}\n        app.kubernetes.io/instance: ${name}`;
  return `---
# Source: gitops-demo/templates/networkpolicy.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}-default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
# Source: gitops-demo/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
        ${labels}
---
# Source: gitops-demo/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${name}}
automountServiceAccountToken: false
---
# Source: gitops-demo/templates/service.yaml
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {type: ClusterIP, ports: [{name: http, port: 80, targetPort: http}]}
---
# Source: gitops-demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
    gitops-pipeline.dev/waive: "POL-READ-ONLY-ROOT-FS: bench waiver ${i}"
spec:
  replicas: ${(i % 3) + 1}
  selector:
    matchLabels:
        ${labels}
  template:
    metadata:
      labels:
        ${labels}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      initContainers:
        - name: init
          image: busybox:1.37
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 50m, memory: 32Mi}}
      containers:
        - name: app
          image: ghcr.io/example/gitops-demo:${i % 7 === 0 ? "latest" : `1.${i}.0`}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: ${i % 2 === 0}, capabilities: {drop: [ALL]}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 250m, memory: 128Mi}}
          volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {}}]
---
# Source: gitops-demo/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${name}}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}, minReplicas: 2, maxReplicas: 5}
---
# Source: gitops-demo/templates/tests/test-healthz.yaml
apiVersion: v1
kind: Pod
metadata: {name: ${name}-test}
spec:
  restartPolicy: Never
  containers: [{name: probe, image: "ghcr.io/example/gitops-demo:1.0.0", resources: {}}]
`;
}

/** A rendering with exactly `n` objects. */
function rendering(n: number): string {
  const releases = Math.ceil(n / 7);
  const text = Array.from({ length: releases }, (_, i) => release(i)).join("");
  const docs = text
    .split(/^---\n/m)
    .filter(Boolean)
    .slice(0, n);
  return docs.map((d) => `---\n${d}`).join("");
}

const TEXT = rendering(1000);

it("policy rules over 1,000 rendered objects", async () => {
  const batches: Manifest[][] = Array.from({ length: RUNS + WARMUP }, () => parseManifests(TEXT, "rendered/bench.yaml", "bench").objects);
  expect(batches[0]).toHaveLength(1000);
  let next = 0;
  let findings = 0;
  const r = await bench(
    `policy: ${POLICY_RULES.length} rules over 1,000 rendered objects (production)`,
    () => {
      findings = evaluatePolicy(batches[next++]!, { production: true }).length;
    },
    RUNS,
    WARMUP,
  );
  console.log(`bench policy: ${findings} findings per run (waived ones included)`);
  expect(findings).toBeGreaterThan(100);
  expect(r.runs).toBe(RUNS);
});

it("multi-document parse of a 1,000-object rendering", async () => {
  const r = await bench("manifests: parse 1,000-object helm rendering", () => parseManifests(TEXT, "rendered/bench.yaml", "bench"), 10, 2);
  console.log(`bench manifests: ${(TEXT.length / 1024).toFixed(0)} KiB of YAML`);
  expect(r.runs).toBe(10);
});
