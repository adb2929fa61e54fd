/**
 * seal's kubeseal container: the pinned (or mirrored) image, the certificate and the value
 * mounted where the core's argv reads them, the value only as a secret mount (owned by the
 * image's user, mode 0400), and kubeseal's argv exactly the core's.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { kubesealArgv, SEAL_PATHS } from "../../dagger/src/core/secrets/seal.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { kubesealContainer } from "../../dagger/src/secrets/seal.js";
import { allChains, execs, plan, stepsOf } from "../helpers/plan.js";

describe("seal: the kubeseal container", () => {
  const value = dag.setSecret("api-token", "plaintext-value-123");
  const cert = dag.directory().withNewFile("cert.pem", "-----BEGIN CERTIFICATE-----\n").file("cert.pem");
  const o = { name: "gitops-demo-credentials", namespace: "gitops-demo-prod", scope: "strict" as const };

  it("runs the core's argv in the given image, with the certificate and the value where the argv reads them", () => {
    const c = kubesealContainer(VERSIONS.kubesealImage, cert, value, o);
    expect(stepsOf(c, "from").map((s) => s.args.address)).toEqual([VERSIONS.kubesealImage]);
    expect(stepsOf(kubesealContainer("mirror.local/kubeseal:0.36.1", cert, value, o), "from").map((s) => s.args.address)).toEqual([
      "mirror.local/kubeseal:0.36.1",
    ]);
    expect(stepsOf(c, "withMountedFile").map((s) => s.args.path)).toEqual([SEAL_PATHS.cert]);
    const secret = stepsOf(c, "withMountedSecret");
    expect(secret.map((s) => [s.args.path, s.args.owner, s.args.mode])).toEqual([[SEAL_PATHS.value, "1001", 0o400]]);
    expect(execs(c)).toEqual([kubesealArgv(o)]);
  });

  it("the value appears in no argument but its own setSecret: not in the argv, an environment variable or a file", () => {
    const c = kubesealContainer(VERSIONS.kubesealImage, cert, value, o);
    const [mount] = stepsOf(c, "withMountedSecret");
    expect((mount!.args.source as { ref: unknown[] }).ref).toEqual([{ op: "setSecret", args: { name: "api-token", plaintext: "plaintext-value-123" } }]);
    const elsewhere = allChains(plan(c))
      .flat()
      .filter((s) => s.op !== "setSecret" && s.op !== "withMountedSecret" && JSON.stringify(s.args).includes("plaintext-value-123"));
    expect(elsewhere).toEqual([]);
    expect(stepsOf(c, "withEnvVariable").map((s) => s.args.name)).toEqual(["SEAL_RUN"]);
  });
});
