/**
 * The smoke check: the built image run with the runtime settings of the environment's rendered
 * workload (user, environment, port, emptyDir mounts as tmpfs, ConfigMap files, command), probed
 * like the e2e run probes it, in seconds and without a cluster or a privileged container.
 *
 * Dagger 0.21 has no read-only root filesystem for a container (the engine makes the root mount
 * writable: core/container_exec.go prepareMounts), so the check does not forbid writes, it finds
 * them: the app runs as an exec (not a service), and the exec's root filesystem is diffed
 * against the image's afterwards. An exec also gives back the app's stdout (json-logs); a
 * service gives back neither. `smokeService` is the same container as a service, for `up`.
 */
import { dag, ReturnType, type Container, type Directory, type Service } from "@dagger.io/dagger";
import { execFailure } from "../core/errors.js";
import { reportJson, withRanAt } from "../core/run.js";
import { parseProberOutput, PROBER_PY, type ProberResult } from "../core/smoke/prober.js";
import { smokeReport } from "../core/smoke/report.js";
import { effectiveCommand, type SmokeRuntime } from "../core/smoke/runtime.js";
import {
  decideUser,
  imageUser,
  proberConfig,
  rootfsVerdict,
  rootfsWrites,
  runVerdicts,
  smokeDeadline,
  smokeRequests,
  writablePaths,
  type SmokeVerdict,
} from "../core/smoke/verdict.js";
import { Run } from "../run.js";
import { redact } from "../core/redact.js";
import { runValidation } from "../core/validate/validation.js";
import { environmentRendering, renderOnlyPort } from "../core/smoke/render.js";
import { smokeRuntime } from "../core/smoke/runtime.js";
import { ContainerPort, KUBECONFORM_BIN, KUSTOMIZE_BIN, type ValidateStageOptions } from "../validate/containers.js";

/** Where the prober is mounted (read-only) in the app's container. */
export const PROBER_DIR = "/.gitops-pipeline-smoke";

/**
 * The image with the rendered container's runtime settings: its user (`execUser`, from
 * runAsUser/runAsGroup; the image's USER otherwise), environment, working directory, emptyDir
 * mounts as tmpfs (sizeLimit kept), ConfigMap/Secret files read-only, and its port. The one place
 * that builds it: the check and the service both start from here.
 */
export function smokeContainer(image: Container, r: SmokeRuntime, execUser?: string): Container {
  let c = execUser ? image.withUser(execUser) : image;
  for (const e of r.env) c = c.withEnvVariable(e.name, e.value);
  if (r.workingDir) c = c.withWorkdir(r.workingDir);
  for (const m of r.tempMounts) c = c.withMountedTemp(m.path, m.sizeBytes !== undefined ? { size: m.sizeBytes } : {});
  for (const m of r.fileMounts) {
    if (m.content !== undefined) c = c.withMountedFile(m.path, dag.directory().withNewFile("file", m.content).file("file"));
    else
      c = c.withMountedDirectory(
        m.path,
        Object.entries(m.files ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .reduce((d, [name, text]) => d.withNewFile(name, text), dag.directory()),
        { readOnly: true },
      );
  }
  return c.withExposedPort(r.port);
}

/** The app as a Dagger service with the rendered runtime settings (for `up`): the command Kubernetes would start. */
export function smokeService(ctr: Container, command: string[]): Service {
  return ctr.asService({ args: command, useEntrypoint: false });
}

/** The service of `image` run as `r` says (user decided as the check decides it), for `up`. */
export async function appServiceOf(image: Container, r: SmokeRuntime): Promise<Service> {
  const [user, passwd, entrypoint, cmd] = await Promise.all([image.user(), passwdOf(image), image.entrypoint(), image.defaultArgs()]);
  return smokeService(smokeContainer(image, r, decideUser(r, imageUser(user, passwd)).execUser), effectiveCommand({ entrypoint, cmd }, r));
}

/** The prober's exec in the app's container (plan tests read it). */
export function proberExec(ctr: Container, config: string): Container {
  return ctr
    .withMountedDirectory(PROBER_DIR, dag.directory().withNewFile("prober.py", PROBER_PY), { readOnly: true })
    .withExec(["python3", "-I", "-B", `${PROBER_DIR}/prober.py`, config], { expect: ReturnType.Any });
}

/**
 * The runtime settings of `environment`'s app container, from the environment's rendering as
 * validate makes it (helm template with the Application's values, else its kustomize overlay).
 * `pick` names the container when the rendering has several (`<workload>/<container>`).
 */
export async function renderedRuntime(opts: ValidateStageOptions, environment: string, app: string, pick: string): Promise<SmokeRuntime> {
  const { port, renderings } = renderOnlyPort(new ContainerPort({ ...opts, environments: [environment] }, { locations: [] }, Date.now()));
  const res = await runValidation(port, {
    environments: [environment],
    ...(app ? { app } : {}),
    kubernetesVersion: opts.tools.kubernetes,
    kubeconform: { binary: KUBECONFORM_BIN, locations: [] },
    kustomizeBinary: KUSTOMIZE_BIN,
  });
  const rendering = environmentRendering(res, renderings, environment, app || undefined);
  return smokeRuntime(rendering.objects, { where: rendering.file, ...(pick ? { pick } : {}) });
}

/**
 * What the run added or changed on the root filesystem: `before.diff(after)` (the engine's
 * snapshot diff, not a walk of the image). The order matters: `after.diff(before)` is empty for
 * added files (an engine run found that out; a plan test keeps it).
 */
export function runChanges(image: Container, ran: Container): Directory {
  return image.rootfs().diff(ran.rootfs());
}

/** What one smoke run needs. */
export interface SmokeInput {
  image: Container;
  runtime: SmokeRuntime;
  environment: string;
  version: string;
  deadlineSeconds?: number;
}

async function passwdOf(image: Container): Promise<string | undefined> {
  try {
    return await image.file("/etc/passwd").contents();
  } catch {
    return undefined;
  }
}

/** Run the smoke check: decide the user, run the prober with the app, diff the root filesystem, judge. */
export async function runSmoke(input: SmokeInput): Promise<Run> {
  const { image, runtime: r } = input;
  const [user, passwd, entrypoint, cmd] = await Promise.all([image.user(), passwdOf(image), image.entrypoint(), image.defaultArgs()]);
  const decision = decideUser(r, imageUser(user, passwd));
  const command = effectiveCommand({ entrypoint, cmd }, r);
  const verdicts: SmokeVerdict[] = [decision.verdict];
  const outcome = { environment: input.environment, version: input.version, workload: r.workload, container: r.container, notProvided: r.notProvided };
  let files: Directory = dag.directory();
  let ranAtSeconds = Number.NaN;
  let elapsed: number | undefined;
  if (!decision.runs) {
    verdicts.push({ probe: "start", ok: false, detail: "not run: the kubelet would refuse to start the container (non-root-user)" });
  } else if (command.length === 0) {
    verdicts.push({ probe: "start", ok: false, detail: "the image has no entrypoint or cmd and the container spec no command: nothing to start" });
  } else {
    const requests = smokeRequests(r, input.version);
    const ctr = smokeContainer(image, r, decision.execUser);
    const ran = proberExec(ctr, JSON.stringify(proberConfig(command, requests, input.deadlineSeconds ?? smokeDeadline(r))));
    let res: ProberResult | undefined;
    let failure = "";
    try {
      const [code, stdout, stderr] = await Promise.all([ran.exitCode(), ran.stdout(), ran.stderr()]);
      res = parseProberOutput(stdout);
      if (!res) failure = `the prober stopped with exit code ${code} before its result: ${stderr.trim().split("\n").slice(-5).join(" | ")}`;
    } catch (err) {
      const e = execFailure(err);
      const msg = e
        ? `exit ${e.exitCode}: ${e.stderr.trim().split("\n").slice(-3).join(" | ")}`
        : err instanceof Error
          ? err.message.split("\n")[0]!
          : String(err);
      failure = /executable file not found|no such file or directory/i.test(msg)
        ? `the check runs its prober with the image's own python3, and the image has none on its PATH (${msg})`
        : `the prober could not run: ${msg}`;
    }
    if (!res) verdicts.push({ probe: "start", ok: false, detail: failure });
    else {
      verdicts.push(...runVerdicts(res, requests, command));
      const changed = await runChanges(image, ran).glob("**/*");
      verdicts.push(rootfsVerdict(r.readOnlyRootFilesystem, rootfsWrites(changed, writablePaths(r, [PROBER_DIR]))));
      files = files.withNewFile("app-stdout.log", redact(res.stdout)).withNewFile("app-stderr.log", redact(res.stderr));
      ranAtSeconds = res.startedAt;
      elapsed = res.elapsedSeconds;
    }
  }
  const report = withRanAt(smokeReport({ ...outcome, verdicts, ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}) }), ranAtSeconds);
  return Run.of(report, files.withNewFile("smoke-report.json", reportJson(report)));
}
