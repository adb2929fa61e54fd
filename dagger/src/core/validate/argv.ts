/**
 * The argv of the tools the validate stage runs — helm lint, helm template, kustomize build,
 * kubeconform — and
 * the kubeconform schema locations (online, offline, Argo CD CRDs). The stage runs exactly these
 * lists in its containers; the contract tests run the same lists against the real tools.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

/** Kubernetes version as helm and kubeconform take it: x.y.z (offline schemas exist for x.y.0). */
export function checkKubernetesVersion(version: string): string {
  const v = version.replace(/^v/, "");
  if (!/^\d+\.\d+\.\d+$/.test(v)) {
    throw new InputError("kubernetes", `'${version}' is not a Kubernetes version x.y.z`, "pass e.g. 1.36.0");
  }
  return v;
}

/** What helm needs to lint or render one environment. */
export interface HelmOptions {
  /** Chart directory (as seen by helm: relative to its working directory, or absolute). */
  chart: string;
  /** Values files in order, each passed with --values. */
  values: readonly string[];
  kubeVersion: string;
  /** `name=value` pairs for --set, --set-string and --set-file (an Application's parameters), after the values files. */
  set?: readonly string[];
  setString?: readonly string[];
  setFile?: readonly string[];
}

/** The value options of helm lint and helm template: --values files, then --set, --set-string, --set-file (Argo CD's order). */
function valueArgs(o: HelmOptions): string[] {
  return [
    ...o.values.flatMap((v) => ["--values", v]),
    ...(o.set ?? []).flatMap((v) => ["--set", v]),
    ...(o.setString ?? []).flatMap((v) => ["--set-string", v]),
    ...(o.setFile ?? []).flatMap((v) => ["--set-file", v]),
  ];
}

/** argv of `helm lint --strict` for one environment (warnings fail it too). */
export function helmLintArgv(o: HelmOptions): string[] {
  // helm built without version ldflags assumes Kubernetes 1.20: always pass --kube-version.
  return ["helm", "lint", o.chart, "--strict", "--kube-version", checkKubernetesVersion(o.kubeVersion), ...valueArgs(o)];
}

/**
 * argv of `helm template` for one environment; the manifests go to stdout (hooks and tests
 * included). `includeCrds` adds the chart's crds/ as Argo CD does unless `skipCrds`;
 * `apiVersions` become --api-versions (an Application's helm.apiVersions).
 */
export function helmTemplateArgv(o: HelmOptions & { release: string; namespace: string; includeCrds?: boolean; apiVersions?: readonly string[] }): string[] {
  return [
    "helm",
    "template",
    o.release,
    o.chart,
    "--namespace",
    o.namespace,
    "--kube-version",
    checkKubernetesVersion(o.kubeVersion),
    ...valueArgs(o),
    ...(o.apiVersions ?? []).flatMap((v) => ["--api-versions", v]),
    ...(o.includeCrds ? ["--include-crds"] : []),
  ];
}

/**
 * argv of `kustomize build` for one overlay directory; the rendering goes to stdout. `binary` is
 * `/app/kustomize` in its image (the entrypoint), `kustomize` elsewhere.
 */
export function kustomizeBuildArgv(overlay: string, binary = "kustomize"): string[] {
  if (!overlay) throw new Error("kustomizeBuildArgv: no overlay directory");
  return [binary, "build", overlay];
}

/** kubeconform's own online registry of Kubernetes schemas. */
export const KUBECONFORM_DEFAULT_SCHEMAS = "default";

/** Commit of datreeio/CRDs-catalog the online Argo CD CRD schemas are read from (pinned, not main). */
export const CRDS_CATALOG_COMMIT = "7b1e26ef9deea49293714d204c1a2270aab1178f";

/** A kubeconform location template for a CRD-catalog layout directory: `<dir>/<group>/<kind>_<version>.json`. */
export function crdSchemaLocation(dir: string): string {
  return `${dir.replace(/\/+$/, "")}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`;
}

/** The Argo CD (and other CRD) schemas online, from the pinned catalog commit. */
export const CRDS_CATALOG_LOCATION = crdSchemaLocation(`https://raw.githubusercontent.com/datreeio/CRDs-catalog/${CRDS_CATALOG_COMMIT}`);

/** The `$id` every kubernetes-validate kind schema refers to for its shared definitions. */
export const K8S_DEFINITIONS_URL = "https://kubernetes.io/api/_definitions.json";

/** kubeconform's cache file name for a URL: the hex sha256 of the URL (pkg/cache/ondisk.go). */
export function kubeconformCacheName(url: string): string {
  return createHash("sha256").update(url).digest("hex");
}

/** How to use an offline schema directory for one Kubernetes version. */
export interface OfflineSchemas {
  /** `-schema-location` template inside the directory. */
  location: string;
  /**
   * For the kubernetes-validate layout: copy `from` (relative to the schema directory) into a
   * kubeconform cache directory as `name`, so the schemas' `$ref` to the definitions resolves
   * offline instead of over HTTP.
   */
  cacheSeed?: { from: string; name: string };
}

/**
 * Find the layout of an offline schema directory from its top-level entries:
 * `v1.36.0-standalone-strict/` (yannh/kubernetes-json-schema, self-contained) or
 * `v1.36.0-local-strict/` (the kubernetes-validate PyPI package, `$ref` to `_definitions.json`).
 * `dir` is where the directory is mounted; `label` names it in errors.
 */
export function offlineSchemas(entries: readonly string[], dir: string, kubeVersion: string, label = "schemas"): OfflineSchemas {
  const v = `v${checkKubernetesVersion(kubeVersion)}`;
  const names = new Set(entries.map((e) => e.replace(/\/+$/, "")));
  const root = dir.replace(/\/+$/, "");
  if (names.has(`${v}-standalone-strict`)) {
    return { location: `${root}/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json` };
  }
  if (names.has(`${v}-local-strict`)) {
    return {
      location: `${root}/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      cacheSeed: { from: `${v}-local-strict/_definitions.json`, name: kubeconformCacheName(K8S_DEFINITIONS_URL) },
    };
  }
  const seen = [...names].filter((n) => /^v\d/.test(n)).sort();
  throw new InputError(
    label,
    `has no ${v}-standalone-strict/ or ${v}-local-strict/ directory${seen.length ? ` (found ${seen.slice(0, 6).join(", ")})` : ""}`,
    `give a copy of yannh/kubernetes-json-schema or of the kubernetes-validate package's kubernetes-json-schema/ directory that holds Kubernetes ${v}, or pass a matching kubernetes version`,
  );
}

/** Where kubeconform finds schemas. */
export interface SchemaLocationOptions {
  /** Offline Kubernetes schemas; when set the online registry is not used (air-gapped runs). */
  offline?: OfflineSchemas;
  /** CRD-catalog directory for the Argo CD kinds; default: the pinned online catalog. */
  crdDir?: string;
}

/**
 * The ordered `-schema-location` values. kubeconform stops at the first location that has the
 * kind, and a network error on a location is fatal, so offline runs never list online ones.
 */
export function schemaLocations(o: SchemaLocationOptions = {}): string[] {
  const crd = o.crdDir ? crdSchemaLocation(o.crdDir) : CRDS_CATALOG_LOCATION;
  return o.offline ? [o.offline.location, crd] : [KUBECONFORM_DEFAULT_SCHEMAS, crd];
}

/** What kubeconform validates and how. */
export interface KubeconformOptions {
  kubernetesVersion: string;
  /** From `schemaLocations()`. */
  locations: readonly string[];
  /** Cache directory (seeded for the kubernetes-validate layout). */
  cacheDir?: string;
  /** Files or directories to validate. */
  files: readonly string[];
  /** The binary: `/kubeconform` in its image (not on PATH), `kubeconform` elsewhere. */
  binary?: string;
}

/** argv of kubeconform: strict, JSON output listing every resource (valid ones too), with a summary. */
export function kubeconformArgv(o: KubeconformOptions): string[] {
  if (o.files.length === 0) throw new Error("kubeconformArgv: no files to validate");
  return [
    o.binary ?? "kubeconform",
    "-strict",
    "-summary",
    "-verbose",
    "-output",
    "json",
    "-kubernetes-version",
    checkKubernetesVersion(o.kubernetesVersion),
    ...o.locations.flatMap((l) => ["-schema-location", l]),
    ...(o.cacheDir ? ["-cache", o.cacheDir] : []),
    ...o.files,
  ];
}
