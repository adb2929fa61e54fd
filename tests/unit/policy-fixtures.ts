/**
 * Small manifest fixtures for the policy and Argo CD unit tests: a compliant Deployment (as the
 * chart renders it) that each test breaks in one place.
 */
import type { Manifest } from "../../dagger/src/core/validate/manifests.js";

export type Obj = Record<string, unknown>;

/** A container that passes every rule. */
export function goodContainer(name = "app"): Obj {
  return {
    name,
    image: "ghcr.io/example/gitops-demo:1.2.3",
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
    readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
  };
}

/** Wrap a body into a Manifest the way parseManifests does. */
export function manifest(body: Obj, source = "templates/test.yaml"): Manifest {
  const meta = (body.metadata ?? {}) as Obj;
  return {
    apiVersion: String(body.apiVersion),
    kind: String(body.kind),
    name: String(meta.name ?? ""),
    ...(meta.namespace ? { namespace: String(meta.namespace) } : {}),
    source,
    doc: 0,
    body,
  };
}

const LABELS = { "app.kubernetes.io/name": "demo", "app.kubernetes.io/instance": "demo" };

/** A compliant Deployment; `edit` changes it in place before wrapping. */
export function deployment(edit: (d: { spec: Obj; pod: Obj; container: Obj; meta: Obj }) => void = () => {}, replicas = 3): Manifest {
  const container = goodContainer();
  const pod: Obj = { securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } }, containers: [container] };
  const spec: Obj = { replicas, selector: { matchLabels: LABELS }, template: { metadata: { labels: { ...LABELS } }, spec: pod } };
  const meta: Obj = { name: "demo", namespace: "demo-prod" };
  edit({ spec, pod, container, meta });
  return manifest({ apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec }, "templates/deployment.yaml");
}

/** A PodDisruptionBudget selecting the Deployment's pods. */
export function pdb(matchLabels: Obj = LABELS, namespace = "demo-prod"): Manifest {
  return manifest(
    { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "demo", namespace }, spec: { maxUnavailable: 1, selector: { matchLabels } } },
    "templates/pdb.yaml",
  );
}

/** An HPA targeting the Deployment. */
export function hpa(minReplicas: number): Manifest {
  return manifest(
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "demo", namespace: "demo-prod" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "demo" }, minReplicas, maxReplicas: 5 },
    },
    "templates/hpa.yaml",
  );
}

/** The chart's Service: labels include the pod selector labels, one named port `http`. */
export function service(ports: Obj[] = [{ name: "http", port: 80, targetPort: "http" }], namespace = "demo-prod"): Manifest {
  return manifest(
    { apiVersion: "v1", kind: "Service", metadata: { name: "demo", namespace, labels: { ...LABELS } }, spec: { selector: LABELS, ports } },
    "templates/service.yaml",
  );
}

/** A ServiceMonitor scraping the Service's `http` port; `edit` changes its spec in place. */
export function serviceMonitor(edit: (spec: Obj) => void = () => {}, namespace = "demo-prod"): Manifest {
  const spec: Obj = { selector: { matchLabels: { ...LABELS } }, endpoints: [{ port: "http", path: "/metrics", interval: "30s" }] };
  edit(spec);
  return manifest(
    { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "demo", namespace }, spec },
    "templates/servicemonitor.yaml",
  );
}

/** An Ingress for `hosts`, with `tls` entries as given (none by default). */
export function ingress(hosts: string[], tls: Obj[] = [], annotations: Obj = {}): Manifest {
  const rules = hosts.map((host) => ({
    ...(host ? { host } : {}),
    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "demo", port: { name: "http" } } } }] },
  }));
  return manifest(
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "demo", namespace: "demo-prod", annotations },
      spec: { ingressClassName: "nginx", ...(tls.length ? { tls } : {}), rules },
    },
    "templates/ingress.yaml",
  );
}

/** A SealedSecret as kubeseal writes it (strict scope), sealed for `namespace`; `edit` changes it in place. */
export function sealedSecret(
  edit: (s: { meta: Obj; spec: Obj; template: Obj }) => void = () => {},
  name = "demo-credentials",
  namespace = "demo-prod",
): Manifest {
  const template: Obj = { metadata: { name, namespace }, type: "Opaque" };
  const spec: Obj = { encryptedData: { "api-token": "AgBy3i4OJSWK+PiTySYZZA==" }, template };
  const meta: Obj = { name, namespace };
  edit({ meta, spec, template });
  return manifest({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: meta, spec }, "templates/sealedsecret.yaml");
}

/** An ExternalSecret reading `api-token` through SecretStore `vault`; `edit` changes its spec in place. */
export function externalSecret(edit: (spec: Obj) => void = () => {}, name = "demo-credentials", namespace = "demo-prod"): Manifest {
  const spec: Obj = {
    refreshInterval: "1h",
    secretStoreRef: { name: "vault", kind: "SecretStore" },
    target: { name },
    data: [{ secretKey: "api-token", remoteRef: { key: "demo/api", property: "token" } }],
  };
  edit(spec);
  return manifest({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace }, spec }, "templates/externalsecret.yaml");
}

/** A SecretStore of `namespace`. */
export function secretStore(name = "vault", namespace = "demo-prod"): Manifest {
  return manifest(
    {
      apiVersion: "external-secrets.io/v1",
      kind: "SecretStore",
      metadata: { name, namespace },
      spec: { provider: { vault: { server: "https://vault.example.com", path: "secret" } } },
    },
    "templates/secretstore.yaml",
  );
}

/** A plain Secret with `data`. */
export function plainSecret(body: Obj = { data: { password: "aHVudGVyMg==" } }, name = "demo-db", namespace = "demo-prod"): Manifest {
  return manifest({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", ...body }, "templates/secret.yaml");
}

/** The compliant Deployment reading `key` of Secret `secret` into API_TOKEN. */
export function deploymentReading(secret = "demo-credentials", key = "api-token"): Manifest {
  return deployment(({ container }) => {
    container.env = [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: secret, key } } }];
  });
}

/**
 * One way to break each rule that judges an object other than the Deployment: the objects of a
 * production rendering (the compliant Deployment and PDB included) and where the one finding must point.
 */
export const OTHER_OBJECT_BREAKS: Record<string, { objects: () => Manifest[]; object: string; path: string; template: string }> = {
  "POL-INGRESS-TLS": {
    objects: () => [deployment(), pdb(), service(), ingress(["demo.example.com"])],
    object: "Ingress/demo-prod/demo",
    path: "spec.tls",
    template: "templates/ingress.yaml",
  },
  "POL-SERVICEMONITOR-PORT": {
    objects: () => [
      deployment(),
      pdb(),
      service(),
      serviceMonitor((s) => {
        s.endpoints = [{ port: "metrics" }];
      }),
    ],
    object: "ServiceMonitor/demo-prod/demo",
    path: "spec.endpoints[0].port",
    template: "templates/servicemonitor.yaml",
  },
  "POL-SECRET-PLAINTEXT": {
    objects: () => [deployment(), pdb(), plainSecret()],
    object: "Secret/demo-prod/demo-db",
    path: "data",
    template: "templates/secret.yaml",
  },
  "POL-SECRET-KEY": {
    objects: () => [deploymentReading("demo-credentials", "password"), pdb(), sealedSecret()],
    object: "Deployment/demo-prod/demo",
    path: "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef",
    template: "templates/deployment.yaml",
  },
  "POL-SECRET-TYPE": {
    objects: () => [
      deployment(({ pod }) => {
        pod.imagePullSecrets = [{ name: "demo-credentials" }];
      }),
      pdb(),
      sealedSecret(),
    ],
    object: "Deployment/demo-prod/demo",
    path: "spec.template.spec.imagePullSecrets[0]",
    template: "templates/deployment.yaml",
  },
  "POL-SEALED-SECRET-SCOPE": {
    objects: () => [
      deploymentReading(),
      pdb(),
      sealedSecret(({ template }) => {
        (template.metadata as Obj).namespace = "demo-staging";
      }),
    ],
    object: "SealedSecret/demo-prod/demo-credentials",
    path: "spec.template.metadata.namespace",
    template: "templates/sealedsecret.yaml",
  },
  "POL-EXTERNAL-SECRET-STORE": {
    objects: () => [deploymentReading(), pdb(), externalSecret()],
    object: "ExternalSecret/demo-prod/demo-credentials",
    path: "spec.secretStoreRef",
    template: "templates/externalsecret.yaml",
  },
};

/** Rules whose default level is a warning: their break, checked in policy-secrets.test.ts. */
export const WARNING_BREAKS: Record<string, { objects: () => Manifest[]; object: string; path: string }> = {
  "POL-SECRET-REF": {
    objects: () => [deploymentReading("demo-creds"), pdb(), sealedSecret()],
    object: "Deployment/demo-prod/demo",
    path: "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef",
  },
};
