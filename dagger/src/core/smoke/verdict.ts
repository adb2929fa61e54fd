/**
 * The smoke check's verdicts, one per named probe: non-root-user (decided before anything runs,
 * from the image's USER and the rendered securityContext, as the kubelet decides), start, the
 * kubelet's own HTTP probes of the rendered container, the app probes of the e2e run (/healthz,
 * / with the version, /metrics), json-logs (stdout) and read-only-rootfs (what the run wrote).
 * Pure: the prober's raw answers and the written paths come in, verdicts go out.
 */
import { appProbes, type Probe, type ProbeResponse } from "../e2e/smoke.js";
import type { ProberAnswer, ProberConfig, ProberResult } from "./prober.js";
import type { SmokeRuntime } from "./runtime.js";

/** The outcome of one named probe. */
export interface SmokeVerdict {
  /** The probe's name, as the report and the finding's rule say it. */
  probe: string;
  ok: boolean;
  /** `ok`, what it saw, or why it failed (expected vs actual). */
  detail: string;
}

/** The image's configured user, resolved through its /etc/passwd. */
export interface ImageUser {
  /** As the image config says it (`10001:10001`, `app`, "" for root). */
  raw: string;
  /** Numeric uid, when the user is numeric or its name is in /etc/passwd. */
  uid?: number;
  /** True when the user part is a name, not a number (the kubelet cannot verify such a user with runAsNonRoot). */
  named: boolean;
}

/** Resolve the image config's `user` (`uid[:gid]`, `name[:group]`, "") with the image's /etc/passwd text (when it has one). */
export function imageUser(raw: string, passwd?: string): ImageUser {
  const user = raw.split(":")[0]!.trim();
  if (user === "") return { raw, uid: 0, named: false };
  if (/^[0-9]+$/.test(user)) return { raw, uid: Number(user), named: false };
  const line = (passwd ?? "").split("\n").find((l) => l.split(":")[0] === user);
  const uid = line ? Number(line.split(":")[2]) : NaN;
  return { raw, named: true, ...(Number.isInteger(uid) ? { uid } : {}) };
}

/** The user the container runs as (runAsUser over the image's USER), and whether the kubelet would start it at all. */
export interface UserDecision {
  verdict: SmokeVerdict;
  /** False: the kubelet refuses to start the container (runAsNonRoot violated); nothing else runs. */
  runs: boolean;
  /** `withUser` argument: `uid[:gid]` from the rendering, or undefined for the image's own USER. */
  execUser?: string;
}

/**
 * Decide the user. The kubelet refuses a container with runAsNonRoot whose effective uid is 0, or
 * whose image user is a name when no runAsUser is set (kuberuntime_container_linux.go
 * verifyRunAsNonRoot). Beyond the kubelet, the image itself must not run as root: the same image
 * runs as root wherever a chart sets no runAsUser (docker run, another chart, the helm test pod).
 */
export function decideUser(r: Pick<SmokeRuntime, "runAsUser" | "runAsGroup" | "runAsNonRoot">, img: ImageUser): UserDecision {
  const probe = "non-root-user";
  const execUser = r.runAsUser !== undefined ? `${r.runAsUser}${r.runAsGroup !== undefined ? `:${r.runAsGroup}` : ""}` : undefined;
  const withUser = execUser !== undefined ? { execUser } : {};
  const shown = img.raw === "" ? "no USER (root)" : `USER ${img.raw}`;
  if (r.runAsNonRoot && r.runAsUser === undefined && img.named) {
    return {
      verdict: {
        probe,
        ok: false,
        detail: `the kubelet would refuse to start it: runAsNonRoot with the image's non-numeric ${shown} and no runAsUser (set a numeric USER in the Dockerfile, e.g. USER 10001:10001)`,
      },
      runs: false,
    };
  }
  const effective = r.runAsUser ?? img.uid;
  if (r.runAsNonRoot && effective === 0) {
    return {
      verdict: {
        probe,
        ok: false,
        detail: `the kubelet would refuse to start it: runAsNonRoot, but it runs as root (${r.runAsUser === 0 ? "runAsUser: 0" : `image ${shown}`})`,
      },
      runs: false,
      ...withUser,
    };
  }
  if (img.uid === 0 || (img.uid === undefined && !img.named)) {
    return {
      verdict: {
        probe,
        ok: false,
        detail: `the image runs as root (${shown}${img.named ? ", uid 0 in its /etc/passwd" : ""})${r.runAsUser !== undefined ? `; this chart overrides it with runAsUser ${r.runAsUser}, but the image runs as root wherever no runAsUser is set` : ""}: add a non-root numeric USER to the Dockerfile, e.g. USER 10001:10001`,
      },
      runs: true,
      ...withUser,
    };
  }
  if (img.uid === undefined) {
    return {
      verdict: { probe, ok: false, detail: `the image's ${shown} is not in its /etc/passwd: the runtime cannot resolve it; use a numeric USER` },
      runs: false,
      ...withUser,
    };
  }
  const as = r.runAsUser !== undefined ? `runs as uid ${r.runAsUser} (runAsUser)` : `runs as uid ${img.uid}`;
  return { verdict: { probe, ok: true, detail: `${as}; image ${shown}` }, runs: true, ...withUser };
}

/** One request the prober makes, with the check that judges its answer. */
export interface SmokeRequest {
  name: string;
  path: string;
  port: number;
  headers: Record<string, string>;
  check: (r: ProbeResponse) => string | null;
}

/** The kubelet's HTTP probe semantics: any status from 200 to 399 passes. */
function kubeletCheck(r: ProbeResponse): string | null {
  return r.status >= 200 && r.status < 400 ? null : `expected HTTP 200-399 (the kubelet's rule), got ${r.status}`;
}

/**
 * The requests, in order: the rendered container's own HTTP probes (startup, liveness,
 * readiness; one request per distinct path and port), then the e2e run's app probes on the app's
 * port (healthz, version, metrics: core/e2e/smoke.ts).
 */
export function smokeRequests(r: Pick<SmokeRuntime, "probes" | "port">, expectedVersion: string): SmokeRequest[] {
  const kubelet = new Map<string, SmokeRequest>();
  for (const p of r.probes) {
    const key = `${p.port} ${p.path}`;
    const known = kubelet.get(key);
    if (known) known.name = `${known.name.replace(/-probe$/, "")}+${p.kind}-probe`;
    else kubelet.set(key, { name: `${p.kind}-probe`, path: p.path, port: p.port, headers: {}, check: kubeletCheck });
  }
  const app = appProbes(expectedVersion).map((p: Probe) => ({ name: p.name, path: p.path, port: r.port, headers: p.headers, check: p.check }));
  return [...kubelet.values(), ...app];
}

/** Shortest and longest time the app gets to answer every request. */
export const SMOKE_DEADLINE = { min: 30, max: 300 } as const;

/**
 * Seconds the app gets, from its start, to answer every request: what the kubelet would give it
 * to start (the startup probe's budget, else the liveness probe's), plus 15 s for the rest,
 * within SMOKE_DEADLINE.
 */
export function smokeDeadline(r: Pick<SmokeRuntime, "probes">): number {
  const start = r.probes.find((p) => p.kind === "startup") ?? r.probes.find((p) => p.kind === "liveness");
  return Math.min(SMOKE_DEADLINE.max, Math.max(SMOKE_DEADLINE.min, (start?.budgetSeconds ?? 0) + 15));
}

/** The prober's configuration for `requests`. */
export function proberConfig(command: string[], requests: readonly SmokeRequest[], deadlineSeconds: number): ProberConfig {
  return {
    command,
    requests: requests.map(({ name, path, port, headers }) => ({ name, path, port, headers })),
    deadlineSeconds,
    requestTimeoutSeconds: 5,
    graceSeconds: 3,
    maxBytes: 256 * 1024,
  };
}

/** The last `n` non-empty lines of `text`, on one line each. */
function tail(text: string, n = 5): string {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-n)
    .join(" | ");
}

function answerDetail(a: ProberAnswer | undefined, req: SmokeRequest): string | null {
  if (!a) return "not run: an earlier request found the app stopped";
  if (a.status === undefined)
    return `no HTTP answer on port ${req.port} after ${a.attempts} attempt${a.attempts === 1 ? "" : "s"}: ${a.error ?? "unknown error"}`;
  return req.check({ status: a.status, headers: a.headers ?? {}, body: a.body ?? "" });
}

/** Verdicts of the run itself: start, every request, json-logs. */
export function runVerdicts(res: ProberResult, requests: readonly SmokeRequest[], command: readonly string[]): SmokeVerdict[] {
  if (!res.started)
    return [
      { probe: "start", ok: false, detail: `the container's command ${JSON.stringify(command)} could not be started: ${res.startError ?? "unknown error"}` },
    ];
  const out: SmokeVerdict[] = [];
  const first = res.answers[0];
  const answeredAtAll = res.answers.some((a) => a.status !== undefined);
  if (!answeredAtAll && res.exitedEarly !== null) {
    out.push({
      probe: "start",
      ok: false,
      detail: `the app exited with code ${res.exitedEarly} before answering: ${tail(res.stderr || res.stdout) || "(no output)"}`,
    });
  } else if (!answeredAtAll) {
    out.push({
      probe: "start",
      ok: false,
      detail: `the app did not answer on port ${first?.port ?? "?"} within the deadline (${first?.error ?? "no answer"}); its last output: ${tail(res.stderr || res.stdout) || "(none)"}`,
    });
  } else {
    out.push({ probe: "start", ok: true, detail: `answered after ${first?.attempts ?? 1} attempt${first?.attempts === 1 ? "" : "s"}` });
  }
  requests.forEach((req, i) => {
    const a = res.answers[i];
    const problem = answerDetail(a, req);
    const stopped = res.exitedEarly !== null && a && problem ? ` (the app exited with code ${res.exitedEarly}: ${tail(res.stderr, 3)})` : "";
    out.push({ probe: req.name, ok: problem === null, detail: problem === null ? `GET ${req.path} ok` : `GET ${req.path}: ${problem}${stopped}` });
  });
  out.push(jsonLogs(res.stdout));
  return out;
}

/** json-logs: the app writes one JSON object per line on stdout (what the cluster's log pipeline parses). */
export function jsonLogs(stdout: string): SmokeVerdict {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0)
    return {
      probe: "json-logs",
      ok: false,
      detail: "the app wrote nothing on stdout while it was probed (expected one JSON object per line, e.g. its access log)",
    };
  const bad = lines.find((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v !== "object" || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  });
  if (bad !== undefined)
    return { probe: "json-logs", ok: false, detail: `stdout line is not a JSON object: '${bad.length > 160 ? `${bad.slice(0, 160)}…` : bad}'` };
  return { probe: "json-logs", ok: true, detail: `${lines.length} JSON line${lines.length === 1 ? "" : "s"} on stdout` };
}

/** Paths the run may write without touching the root filesystem: the tmpfs and file mounts, the prober's directory. */
export function writablePaths(r: Pick<SmokeRuntime, "tempMounts" | "fileMounts">, extra: readonly string[]): string[] {
  return [...r.tempMounts.map((m) => m.path), ...r.fileMounts.map((m) => m.path), ...extra].map((p) => p.replace(/\/+$/, "") || "/");
}

/**
 * The root-filesystem writes among the `changed` paths (relative, directories ending in `/`, as
 * a Directory diff's glob lists them). Left out: paths at or under a mount (they are not the
 * root filesystem; their mount points appear when the runtime creates them), and Python bytecode
 * caches (`__pycache__`): Python ignores a read-only directory there, so the cluster would not fail.
 * A directory is reported only when nothing under it is.
 */
export function rootfsWrites(changed: readonly string[], mounts: readonly string[]): string[] {
  const abs = changed.map((p) => `/${p.replace(/^\/+/, "")}`);
  const underMount = (p: string) => mounts.some((m) => p === m || p === `${m}/` || p.startsWith(`${m}/`) || (p.endsWith("/") && `${m}/`.startsWith(p)));
  const kept = abs.filter((p) => !underMount(p) && !/(^|\/)__pycache__(\/|$)/.test(p));
  return kept.filter((p) => !p.endsWith("/") || !kept.some((q) => q !== p && q.startsWith(p))).map((p) => (p.length > 1 ? p.replace(/\/$/, "") : p));
}

/** read-only-rootfs: with readOnlyRootFilesystem, the run wrote nothing to the root filesystem. */
export function rootfsVerdict(readOnly: boolean, written: readonly string[]): SmokeVerdict {
  const list = `${written.slice(0, 10).join(", ")}${written.length > 10 ? `, … (${written.length} in all)` : ""}`;
  if (!readOnly)
    return { probe: "read-only-rootfs", ok: true, detail: `not required (readOnlyRootFilesystem is not set)${written.length ? `; wrote ${list}` : ""}` };
  if (written.length === 0) return { probe: "read-only-rootfs", ok: true, detail: "nothing written outside the writable mounts" };
  return {
    probe: "read-only-rootfs",
    ok: false,
    detail: `wrote ${list} on the root filesystem, which readOnlyRootFilesystem makes read-only in the cluster: write under a mounted emptyDir (e.g. /tmp) instead`,
  };
}
