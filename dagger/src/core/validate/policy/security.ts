/**
 * Security-context rules: non-root, read-only root filesystem, no privilege escalation, all
 * capabilities dropped and none added, seccomp RuntimeDefault. A container-level setting wins
 * over the pod-level one, as in Kubernetes.
 */
import { asArray, asObj, podOf } from "./pod.js";
import type { PolicyRule, Violation } from "./types.js";

/** Run `check` on every container of `m`'s pod spec (no-op for kinds without one). */
function eachContainer(
  m: Parameters<PolicyRule["check"]>[0],
  check: (c: Record<string, unknown>, path: string, pod: Record<string, unknown>) => Violation | undefined,
): Violation[] {
  const pod = podOf(m);
  if (!pod) return [];
  const out: Violation[] = [];
  const podSc = asObj(pod.spec.securityContext);
  for (const ref of pod.containers) {
    const v = check(asObj(ref.c.securityContext), `${ref.path}.securityContext`, podSc);
    if (v) out.push({ ...v, message: `container '${ref.name}': ${v.message}` });
  }
  return out;
}

export const runAsNonRoot: PolicyRule = {
  id: "POL-RUN-AS-NON-ROOT",
  severity: "error",
  summary: "every container runs as a non-root user (runAsNonRoot: true, runAsUser not 0)",
  check: (m) =>
    eachContainer(m, (sc, path, podSc) => {
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const uid = sc.runAsUser ?? podSc.runAsUser;
      if (uid === 0) return { path: `${path}.runAsUser`, message: "runs as uid 0 (root)" };
      if (nonRoot !== true) return { path: `${path}.runAsNonRoot`, message: "runAsNonRoot is not true (on the container or the pod)" };
      return undefined;
    }),
};

export const readOnlyRootFilesystem: PolicyRule = {
  id: "POL-READ-ONLY-ROOT-FS",
  severity: "error",
  summary: "every container has readOnlyRootFilesystem: true (mount an emptyDir for scratch space)",
  check: (m) =>
    eachContainer(m, (sc, path) =>
      sc.readOnlyRootFilesystem === true ? undefined : { path: `${path}.readOnlyRootFilesystem`, message: "root filesystem is writable" },
    ),
};

export const noPrivilegeEscalation: PolicyRule = {
  id: "POL-NO-PRIVILEGE-ESCALATION",
  severity: "error",
  summary: "allowPrivilegeEscalation: false and not privileged",
  check: (m) =>
    eachContainer(m, (sc, path) => {
      if (sc.privileged === true) return { path: `${path}.privileged`, message: "runs privileged", pss: "baseline" };
      if (sc.allowPrivilegeEscalation !== false) return { path: `${path}.allowPrivilegeEscalation`, message: "allowPrivilegeEscalation is not false" };
      return undefined;
    }),
};

export const dropAllCapabilities: PolicyRule = {
  id: "POL-DROP-ALL-CAPABILITIES",
  severity: "error",
  summary: "capabilities.drop contains ALL",
  check: (m) =>
    eachContainer(m, (sc, path) =>
      asArray(asObj(sc.capabilities).drop).includes("ALL") ? undefined : { path: `${path}.capabilities.drop`, message: "does not drop ALL capabilities" },
    ),
};

/** The capabilities Pod Security baseline lets a container add (restricted allows only NET_BIND_SERVICE). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

export const noAddedCapabilities: PolicyRule = {
  id: "POL-NO-ADDED-CAPABILITIES",
  severity: "error",
  summary: "capabilities.add is empty",
  check: (m) =>
    eachContainer(m, (sc, path) => {
      const added = asArray(asObj(sc.capabilities).add);
      if (added.length === 0) return undefined;
      const beyondBaseline = added.some((c) => !BASELINE_CAPABILITIES.has(String(c).replace(/^CAP_/, "")));
      return { path: `${path}.capabilities.add`, message: `adds capabilities ${added.join(", ")}`, ...(beyondBaseline ? { pss: "baseline" as const } : {}) };
    }),
};

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);

export const seccompRuntimeDefault: PolicyRule = {
  id: "POL-SECCOMP",
  severity: "error",
  summary: "seccompProfile.type is RuntimeDefault (or Localhost) on the pod or the container",
  check: (m) =>
    eachContainer(m, (sc, path, podSc) => {
      const type = asObj(sc.seccompProfile).type ?? asObj(podSc.seccompProfile).type;
      if (typeof type === "string" && SECCOMP_OK.has(type)) return undefined;
      // Pod Security baseline forbids only an explicit Unconfined; restricted requires one of SECCOMP_OK.
      return {
        path: `${path}.seccompProfile.type`,
        message: `seccomp profile is ${type === undefined ? "unset (Unconfined on many runtimes)" : String(type)}`,
        ...(type === "Unconfined" ? { pss: "baseline" as const } : {}),
      };
    }),
};

/** The security-context rules, in report order. */
export const SECURITY_RULES: readonly PolicyRule[] = [
  runAsNonRoot,
  readOnlyRootFilesystem,
  noPrivilegeEscalation,
  dropAllCapabilities,
  noAddedCapabilities,
  seccompRuntimeDefault,
];
