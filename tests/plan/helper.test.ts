import { describe, expect, it } from "vitest";
import { dag, CacheSharingMode, ReturnType } from "@dagger.io/dagger";
import { allChains, execs, plan, stepsOf } from "../helpers/plan.js";

describe("plan helper", () => {
  it("reads a container chain without an engine", () => {
    const c = dag
      .container()
      .from("python:3.12")
      .withMountedCache("/root/.cache/pip", dag.cacheVolume("pip"), { sharing: CacheSharingMode.Locked })
      .withDirectory("/src", dag.directory().withNewFile("a.txt", "x"))
      .withSecretVariable("TOKEN", dag.setSecret("token", "s3cr3t"))
      .withExec(["ruff", "check"], { expect: ReturnType.Any });
    const steps = plan(c);
    expect(steps.map((s) => s.op)).toEqual(["container", "from", "withMountedCache", "withDirectory", "withSecretVariable", "withExec"]);
    expect(steps[1]!.args).toEqual({ address: "python:3.12" });
    expect(stepsOf(steps, "withMountedCache")[0]!.args).toEqual({
      path: "/root/.cache/pip",
      cache: { ref: [{ op: "cacheVolume", args: { key: "pip" } }] },
      sharing: "LOCKED",
    });
    expect(execs(c)).toEqual([["ruff", "check"]]);
    expect(stepsOf(steps, "withExec")[0]!.args.expect).toBe("ANY");
    const secret = stepsOf(steps, "withSecretVariable")[0]!.args.secret as { ref: { op: string }[] };
    expect(secret.ref[0]!.op).toBe("setSecret");
    expect(allChains(steps).length).toBe(4);
  });

  it("refuses things that are not SDK objects", () => {
    expect(() => plan({})).toThrow(/not a Dagger SDK object/);
  });
});
