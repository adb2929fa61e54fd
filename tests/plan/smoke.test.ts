/**
 * The smoke check's containers, built without an engine: the image with the rendered runtime
 * settings (user, environment, tmpfs, read-only files, port), the prober's exec, and the same
 * container as a service for `up`.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { PROBER_DIR, proberExec, runChanges, smokeContainer, smokeService } from "../../dagger/src/smoke/smoke.js";
import { PROBER_PY } from "../../dagger/src/core/smoke/prober.js";
import type { SmokeRuntime } from "../../dagger/src/core/smoke/runtime.js";
import { plan, stepsOf, type Ref } from "../helpers/plan.js";

const RUNTIME: SmokeRuntime = {
  workload: "Deployment/ns/app",
  container: "app",
  runAsUser: 10001,
  runAsGroup: 10001,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  port: 8080,
  env: [
    { name: "APP_VERSION", value: "1.2.3" },
    { name: "PORT", value: "8080" },
  ],
  workingDir: "/srv",
  tempMounts: [
    { path: "/tmp", volume: "tmp", sizeBytes: 67108864 },
    { path: "/var/cache/app", volume: "cache" },
  ],
  fileMounts: [
    { path: "/etc/app", files: { "b.toml": "b", "a.toml": "a" }, volume: "config" },
    { path: "/app/settings.toml", content: "x = 1", volume: "one" },
  ],
  probes: [],
  notProvided: [],
};

const image = () => dag.container().from("registry.example/app:1.2.3");

describe("smoke plan: the app's container with the rendered runtime settings", () => {
  it("user from runAsUser:runAsGroup, env in order, workdir, emptyDirs as sized tmpfs, ConfigMap files read-only, the port exposed", () => {
    const steps = plan(smokeContainer(image(), RUNTIME, "10001:10001"));
    expect(steps.map((s) => s.op)).toEqual([
      "container",
      "from",
      "withUser",
      "withEnvVariable",
      "withEnvVariable",
      "withWorkdir",
      "withMountedTemp",
      "withMountedTemp",
      "withMountedDirectory",
      "withMountedFile",
      "withExposedPort",
    ]);
    expect(stepsOf(steps, "withUser")[0]!.args).toEqual({ name: "10001:10001" });
    expect(stepsOf(steps, "withEnvVariable").map((s) => s.args)).toEqual([
      { name: "APP_VERSION", value: "1.2.3" },
      { name: "PORT", value: "8080" },
    ]);
    expect(stepsOf(steps, "withMountedTemp").map((s) => s.args)).toEqual([{ path: "/tmp", size: 67108864 }, { path: "/var/cache/app" }]);
    const dir = stepsOf(steps, "withMountedDirectory")[0]!;
    expect(dir.args.path).toBe("/etc/app");
    expect(dir.args.readOnly).toBe(true);
    // Files in name order: the same ConfigMap gives the same directory (and cache key).
    expect(stepsOf((dir.args.source as Ref).ref, "withNewFile").map((s) => s.args)).toEqual([
      { path: "a.toml", contents: "a" },
      { path: "b.toml", contents: "b" },
    ]);
    expect(stepsOf(steps, "withMountedFile")[0]!.args.path).toBe("/app/settings.toml");
    expect(stepsOf(steps, "withExposedPort")[0]!.args).toEqual({ port: 8080 });
  });

  it("no runAsUser: the image's own USER (no withUser)", () => {
    expect(stepsOf(smokeContainer(image(), { ...RUNTIME, workingDir: undefined } as SmokeRuntime), "withUser")).toEqual([]);
  });

  it("the prober: mounted read-only, run by the image's python3 isolated and without bytecode, its verdict data on stdout, any exit code", () => {
    const steps = plan(proberExec(smokeContainer(image(), RUNTIME), '{"command":["gunicorn"]}'));
    const mount = stepsOf(steps, "withMountedDirectory").at(-1)!;
    expect(mount.args.path).toBe(PROBER_DIR);
    expect(mount.args.readOnly).toBe(true);
    expect(stepsOf((mount.args.source as Ref).ref, "withNewFile")[0]!.args).toEqual({ path: "prober.py", contents: PROBER_PY });
    expect(steps.at(-1)).toEqual({
      op: "withExec",
      args: { args: ["python3", "-I", "-B", `${PROBER_DIR}/prober.py`, '{"command":["gunicorn"]}'], expect: "ANY" },
    });
  });

  it("the service runs the command Kubernetes would start, not the image's entrypoint on top of it", () => {
    const steps = plan(smokeService(smokeContainer(image(), RUNTIME, "10001"), ["gunicorn", "app:app"]));
    expect(steps.at(-1)).toEqual({ op: "asService", args: { args: ["gunicorn", "app:app"], useEntrypoint: false } });
    expect(stepsOf(steps, "withUser")[0]!.args).toEqual({ name: "10001" });
  });
});

describe("smoke plan: the root-filesystem diff", () => {
  it("diffs the image's root filesystem against the run's (before.diff(after)), never the other way round", () => {
    const img = image();
    const ran = proberExec(smokeContainer(img, RUNTIME), "{}");
    const steps = plan(runChanges(img, ran));
    expect(steps.map((s) => s.op)).toEqual(["container", "from", "rootfs", "diff"]);
    const after = (steps.at(-1)!.args.other as Ref).ref;
    expect(after.at(-1)!.op).toBe("rootfs");
    expect(after.some((s) => s.op === "withExec")).toBe(true);
  });
});
