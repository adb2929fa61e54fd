/**
 * Guard: no value from a config file or an argument is pasted into a shell script. Every
 * `sh -c` step the e2e stage and the local environment run is built from settings whose every
 * name is a canary (app, release, environment, namespace, Application, branch, version, run id,
 * revision); the script text (the argument after `-c`) must contain none of them: values travel
 * as the script's positional arguments ($1, $2 ...), which the shell never parses as code.
 *
 * Before: `application` of gitops-pipeline.yaml went unquoted into the wait step's script
 * (`demo-dev;touch /tmp/pwned;true` ran the command). A new script that interpolates a value
 * fails here.
 */
import { describe, expect, it } from "vitest";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { parseGitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { clusterSteps, deploySteps, findServiceStep, helmTestStep, teardownStep, type E2eStep } from "../../dagger/src/core/e2e/script.js";
import { bringUpSteps, bumpedSteps } from "../../dagger/src/core/local/script.js";
import { localSettings } from "../../dagger/src/core/local/settings.js";

const CANARY = "zq";
const config = parseGitopsConfig(`repoPath: zqrepo
chart: charts/zqchart
release: zqrelease
environments:
  zqenv:
    values: [zqvalues.yaml]
    namespace: zqnamespace
    application: zqapplication
`);
const s = localSettings({
  argocdVersion: VERSIONS.argocd,
  environment: "zqenv",
  branch: "zqbranch",
  version: "9.8.7-zqversion",
  nextVersion: "9.8.8-zqnext",
  timeout: 600,
  config,
  runId: "zqrun",
});
const revision = "abcdef0123456789abcdef0123456789abcdef01";

/** Every step of both stages, as each builder returns them. */
const steps: E2eStep[] = [
  ...clusterSteps(s.e2e),
  ...deploySteps(s.e2e),
  helmTestStep(s.e2e),
  teardownStep(s.e2e),
  findServiceStep({ namespace: s.e2e.namespace, release: s.e2e.release, what: "x", who: "e2e" }),
  ...bringUpSteps(s),
  ...bumpedSteps(s, revision),
];

/** The script of a `sh -c` argv, or undefined. */
function scriptOf(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a, k) => a === "-c" && /(^|\/)(ba)?sh$/.test(argv[k - 1] ?? ""));
  return i >= 0 ? argv[i + 1] : undefined;
}

describe("values reach shell scripts as arguments, never as code", () => {
  it("the canary settings reach the steps (the guard can fail)", () => {
    const all = JSON.stringify(steps.map((st) => st.argv));
    for (const v of ["zqnamespace", "zqapplication", "zqrelease", revision]) expect(all).toContain(v);
    expect(steps.filter((st) => scriptOf(st.argv) !== undefined).length).toBeGreaterThan(5);
  });

  it.each(steps.filter((st) => scriptOf(st.argv) !== undefined).map((st) => [st.name, st] as const))(
    "%s: its script holds no config or argument value",
    (_name, st) => {
      const script = scriptOf(st.argv)!;
      expect(script).not.toContain(CANARY);
      expect(script).not.toContain(revision);
    },
  );

  it("an Application name with shell syntax cannot be declared at all", () => {
    expect(() => parseGitopsConfig(`chart: c\nenvironments:\n  dev:\n    values: [v.yaml]\n    application: "demo-dev;touch /tmp/pwned;true"\n`)).toThrow(
      /environments\.dev\.application: must be an Application name/,
    );
  });
});
