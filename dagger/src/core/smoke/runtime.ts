/**
 * The runtime settings Kubernetes would give the app's container, read from the environment's
 * rendered manifests (validate's rendering): user, read-only root filesystem, port, environment,
 * writable volumes, command and probes. The smoke check runs the built image with exactly these.
 *
 * Pure. What Kubernetes would provide but a container without a cluster cannot (a Secret that is
 * not in the rendering, a PersistentVolumeClaim, the downward API's node fields) is listed in
 * `notProvided`, never invented silently.
 */
import { InputError } from "../errors.js";
import { asObj, asText, objectId, type Manifest } from "../validate/manifests.js";

/** Workload kinds whose pod template the smoke check reads. */
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;

/** An HTTP probe of the container spec (kubelet semantics: any status 200-399 passes). */
export interface KubeletProbe {
  kind: "startup" | "liveness" | "readiness";
  path: string;
  port: number;
  /** Seconds the kubelet gives the container before this probe's failures count against it: initialDelaySeconds + failureThreshold × periodSeconds. */
  budgetSeconds: number;
}

/** A writable directory Kubernetes mounts (an emptyDir): a tmpfs here. */
export interface TempMount {
  path: string;
  /** emptyDir.sizeLimit in bytes, when set. */
  sizeBytes?: number;
  /** The volume's name in the pod spec. */
  volume: string;
}

/** Read-only files Kubernetes mounts from a ConfigMap (or a Secret) of the rendering: a directory of `files`, or (subPath) one file of `content` at `path`. */
export interface FileMount {
  path: string;
  files?: Record<string, string>;
  content?: string;
  volume: string;
}

/** Everything the smoke check needs to run the container as the cluster would. */
export interface SmokeRuntime {
  /** `Deployment/namespace/name` of the workload. */
  workload: string;
  /** Name of the container in the pod spec. */
  container: string;
  /** runAsUser (container over pod); undefined: the image's USER. */
  runAsUser?: number;
  /** runAsGroup (container over pod). */
  runAsGroup?: number;
  /** runAsNonRoot (container over pod). */
  runAsNonRoot: boolean;
  readOnlyRootFilesystem: boolean;
  /** The port the app serves HTTP on (the `http` port, else the probes', else the first). */
  port: number;
  /** Environment variables in order, `$(VAR)` references expanded as the kubelet does. */
  env: { name: string; value: string }[];
  /** Pod spec `command` (replaces the image's entrypoint). */
  command?: string[];
  /** Pod spec `args` (replaces the image's cmd). */
  args?: string[];
  workingDir?: string;
  tempMounts: TempMount[];
  fileMounts: FileMount[];
  probes: KubeletProbe[];
  /** What Kubernetes would provide that the smoke check cannot, one line each. */
  notProvided: string[];
}

function int(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

const UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes quantity (`64Mi`, `1G`, `500000`) in bytes; undefined when it is not one. */
export function quantityBytes(q: unknown): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? "").trim());
  return m ? Math.ceil(Number(m[1]) * UNITS[m[2] ?? ""]!) : undefined;
}

/**
 * Expand `$(VAR)` references in `value` with the variables defined before it, as the kubelet
 * does: `$$(VAR)` is a literal `$(VAR)`, an undefined reference stays as written.
 */
export function expandEnv(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, escaped: string | undefined, name: string) =>
    escaped ? `$(${name})` : (defined.get(name) ?? all),
  );
}

/** The text of `key` in a ConfigMap or Secret of the rendering, or undefined. */
function dataOf(objects: readonly Manifest[], kind: "ConfigMap" | "Secret", name: string, key: string): string | undefined {
  const o = objects.find((m) => m.kind === kind && m.name === name);
  if (!o) return undefined;
  const fromString = asObj(o.body.stringData)[key];
  if (typeof fromString === "string") return fromString;
  const data = asObj(o.body.data)[key];
  if (typeof data !== "string") return undefined;
  return kind === "Secret" ? Buffer.from(data, "base64").toString("utf8") : data;
}

/** Every key of a ConfigMap or Secret of the rendering, decoded; undefined when it is not there. */
function allDataOf(objects: readonly Manifest[], kind: "ConfigMap" | "Secret", name: string): Record<string, string> | undefined {
  const o = objects.find((m) => m.kind === kind && m.name === name);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObj(o.body.data)))
    if (typeof v === "string") out[k] = kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
  for (const [k, v] of Object.entries(asObj(o.body.stringData))) if (typeof v === "string") out[k] = v;
  return out;
}

/** The pod template's spec of a workload. */
function podSpec(m: Manifest): Record<string, unknown> {
  return asObj(asObj(asObj(m.body.spec).template).spec);
}

function containersOf(m: Manifest): Record<string, unknown>[] {
  const c = podSpec(m).containers;
  return Array.isArray(c) ? c.map(asObj) : [];
}

/**
 * The workload and container the smoke check runs: `pick` (`<workload>/<container>` or
 * `<workload>`) when given; else the only workload container; else the one whose image
 * repository is `imageRepository`. Fails naming the candidates otherwise.
 */
export function selectContainer(
  objects: readonly Manifest[],
  o: { pick?: string; imageRepository?: string; where: string },
): { workload: Manifest; container: Record<string, unknown> } {
  const all = objects
    .filter((m) => (WORKLOAD_KINDS as readonly string[]).includes(m.kind) && !m.hook)
    .flatMap((workload) => containersOf(workload).map((container) => ({ workload, container })));
  const label = (c: (typeof all)[number]) => `${c.workload.name}/${asText(c.container.name)}`;
  if (all.length === 0) {
    throw new InputError(
      o.where,
      `renders no ${WORKLOAD_KINDS.join(", ")} with a container: nothing to run`,
      "check that the environment's values turn the app's workload on",
    );
  }
  let found = all;
  if (o.pick) {
    const [w, c] = o.pick.split("/");
    found = all.filter((x) => x.workload.name === w && (c === undefined || asText(x.container.name) === c));
  } else if (all.length > 1 && o.imageRepository) {
    const repo = o.imageRepository;
    found = all.filter(
      (x) => asText(x.container.image) === repo || asText(x.container.image).startsWith(`${repo}:`) || asText(x.container.image).startsWith(`${repo}@`),
    );
  }
  if (found.length !== 1) {
    const what = o.pick ? `has no container '${o.pick}'` : `renders ${all.length} containers and none is the app's alone`;
    throw new InputError(
      o.where,
      `${what} (containers: ${all.map(label).join(", ")})`,
      "name the app's container as <workload>/<container> in gitops-pipeline.settings.yaml: smoke.container",
    );
  }
  return found[0]!;
}

/** The port a probe's `port` (number or port name) stands for, given the container's ports. */
function portNumber(p: unknown, ports: Record<string, unknown>[]): number | undefined {
  if (typeof p === "number") return p;
  const named = ports.find((x) => asText(x.name) === asText(p));
  return named ? int(named.containerPort) : undefined;
}

/**
 * Read the runtime settings of the app's container from the rendered objects of one
 * environment. `where` names the rendering in errors (e.g. `rendered/dev.yaml`).
 */
export function smokeRuntime(objects: readonly Manifest[], o: { pick?: string; imageRepository?: string; where: string }): SmokeRuntime {
  const { workload, container } = selectContainer(objects, o);
  const pod = podSpec(workload);
  const podSec = asObj(pod.securityContext);
  const sec = asObj(container.securityContext);
  const notProvided: string[] = [];
  const ports = (Array.isArray(container.ports) ? container.ports : []).map(asObj);

  const probes: KubeletProbe[] = [];
  for (const kind of ["startup", "liveness", "readiness"] as const) {
    const p = asObj(container[`${kind}Probe`]);
    if (Object.keys(p).length === 0) continue;
    const get = asObj(p.httpGet);
    if (Object.keys(get).length === 0) {
      notProvided.push(`${kind}Probe: not an httpGet probe (${Object.keys(p).find((k) => ["exec", "tcpSocket", "grpc"].includes(k)) ?? "unknown"}), not run`);
      continue;
    }
    const port = portNumber(get.port, ports);
    if (port === undefined) {
      notProvided.push(`${kind}Probe: port '${String(get.port)}' is not a port of the container, not run`);
      continue;
    }
    // Kubernetes' defaults: no initial delay, 3 failures, every 10 s.
    const budgetSeconds = (int(p.initialDelaySeconds) ?? 0) + (int(p.failureThreshold) ?? 3) * (int(p.periodSeconds) ?? 10);
    probes.push({ kind, path: asText(get.path) || "/", port, budgetSeconds });
  }

  const http = ports.find((p) => asText(p.name) === "http");
  const port = int(http?.containerPort) ?? probes[0]?.port ?? int(ports[0]?.containerPort);
  if (port === undefined) {
    throw new InputError(
      o.where,
      `container ${workload.name}/${asText(container.name)} declares no containerPort and no HTTP probe: no port to probe`,
      "declare the app's port in the container's ports (name it http)",
    );
  }

  const env: { name: string; value: string }[] = [];
  const defined = new Map<string, string>();
  const set = (name: string, value: string) => {
    defined.set(name, value);
    const i = env.findIndex((e) => e.name === name);
    if (i >= 0) env.splice(i, 1);
    env.push({ name, value });
  };
  // envFrom first: `env` entries win over them (Kubernetes' order).
  for (const from of (Array.isArray(container.envFrom) ? container.envFrom : []).map(asObj)) {
    const prefix = asText(from.prefix);
    for (const kind of ["ConfigMap", "Secret"] as const) {
      const ref = asObj(from[kind === "ConfigMap" ? "configMapRef" : "secretRef"]);
      if (!ref.name) continue;
      const data = allDataOf(objects, kind, asText(ref.name));
      if (data) for (const [k, v] of Object.entries(data)) set(prefix + k, v);
      else notProvided.push(`envFrom ${kind} '${asText(ref.name)}': not in the rendering`);
    }
  }
  const namespace = workload.namespace ?? "default";
  const FIELDS: Record<string, string> = {
    "metadata.name": `${workload.name}-smoke`,
    "metadata.namespace": namespace,
    "spec.serviceAccountName": asText(pod.serviceAccountName) || "default",
    "status.podIP": "127.0.0.1",
    "status.hostIP": "127.0.0.1",
    "spec.nodeName": "smoke",
  };
  for (const e of (Array.isArray(container.env) ? container.env : []).map(asObj)) {
    const name = asText(e.name);
    if (!name) continue;
    if (typeof e.value === "string" || typeof e.value === "number" || typeof e.value === "boolean") {
      set(name, expandEnv(String(e.value), defined));
      continue;
    }
    if (e.value === undefined && e.valueFrom === undefined) {
      set(name, "");
      continue;
    }
    const from = asObj(e.valueFrom);
    const cm = asObj(from.configMapKeyRef);
    const sk = asObj(from.secretKeyRef);
    const field = asText(asObj(from.fieldRef).fieldPath);
    const value = cm.name
      ? dataOf(objects, "ConfigMap", asText(cm.name), asText(cm.key))
      : sk.name
        ? dataOf(objects, "Secret", asText(sk.name), asText(sk.key))
        : field
          ? FIELDS[field]
          : undefined;
    if (value !== undefined) set(name, value);
    else {
      const ref = cm.name
        ? `ConfigMap ${asText(cm.name)}/${asText(cm.key)}`
        : sk.name
          ? `Secret ${asText(sk.name)}/${asText(sk.key)}`
          : field
            ? `fieldRef ${field}`
            : "valueFrom";
      notProvided.push(`env ${name}: ${ref} is not in the rendering, left unset`);
    }
  }

  const volumes = new Map((Array.isArray(pod.volumes) ? pod.volumes : []).map(asObj).map((v) => [asText(v.name), v]));
  const tempMounts: TempMount[] = [];
  const fileMounts: FileMount[] = [];
  for (const m of (Array.isArray(container.volumeMounts) ? container.volumeMounts : []).map(asObj)) {
    const path = asText(m.mountPath);
    const name = asText(m.name);
    const v = volumes.get(name);
    if (!path || !v) continue;
    if (v.emptyDir !== undefined) {
      const size = quantityBytes(asObj(v.emptyDir).sizeLimit);
      tempMounts.push({ path, volume: name, ...(size !== undefined ? { sizeBytes: size } : {}) });
    } else if (v.configMap !== undefined || v.secret !== undefined) {
      const kind = v.configMap !== undefined ? "ConfigMap" : "Secret";
      const src = asObj(v.configMap ?? v.secret);
      const ref = asText(kind === "ConfigMap" ? src.name : src.secretName);
      const data = allDataOf(objects, kind, ref);
      if (!data) {
        notProvided.push(`volume ${name} at ${path}: ${kind} '${ref}' is not in the rendering, not mounted`);
        continue;
      }
      const items = Array.isArray(src.items) ? src.items.map(asObj) : undefined;
      const files = items ? Object.fromEntries(items.filter((i) => asText(i.key) in data).map((i) => [asText(i.path), data[asText(i.key)]!])) : data;
      const sub = asText(m.subPath);
      if (sub) {
        if (files[sub] === undefined) notProvided.push(`volume ${name} at ${path}: key '${sub}' not in ${kind} '${ref}', not mounted`);
        else fileMounts.push({ path, content: files[sub]!, volume: name });
        continue;
      }
      fileMounts.push({ path, files, volume: name });
    } else {
      const type = Object.keys(v).find((k) => k !== "name") ?? "unknown";
      notProvided.push(`volume ${name} (${type}) at ${path}: not available without a cluster, not mounted`);
    }
  }

  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
  const command = strings(container.command);
  const args = strings(container.args);
  const runAsUser = int(sec.runAsUser) ?? int(podSec.runAsUser);
  const runAsGroup = int(sec.runAsGroup) ?? int(podSec.runAsGroup);
  return {
    workload: objectId({ kind: workload.kind, name: workload.name, namespace }),
    container: asText(container.name),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    runAsNonRoot: bool(sec.runAsNonRoot) ?? bool(podSec.runAsNonRoot) ?? false,
    readOnlyRootFilesystem: bool(sec.readOnlyRootFilesystem) ?? false,
    port,
    env,
    ...(command ? { command: command.map((a) => expandEnv(a, defined)) } : {}),
    ...(args ? { args: args.map((a) => expandEnv(a, defined)) } : {}),
    ...(asText(container.workingDir) ? { workingDir: asText(container.workingDir) } : {}),
    tempMounts,
    fileMounts,
    probes,
    notProvided,
  };
}

/**
 * The process Kubernetes starts: `command` replaces the image's entrypoint (and drops its cmd),
 * `args` replaces its cmd (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes).
 */
export function effectiveCommand(image: { entrypoint: readonly string[]; cmd: readonly string[] }, r: Pick<SmokeRuntime, "command" | "args">): string[] {
  if (r.command) return [...r.command, ...(r.args ?? [])];
  return [...image.entrypoint, ...(r.args ?? image.cmd)];
}
