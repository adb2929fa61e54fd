/** How an Application's Helm source becomes helm's argv and the files laid over the tree. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { escapeSetValue, inlineValuesPath } from "../../dagger/src/core/validate/argo-source.js";
import { runValidation } from "../../dagger/src/core/validate/validation.js";
import { application, fakeValidationPort } from "../helpers/fake-validation.js";

const OPTS = { kubernetesVersion: "1.36.0", kubeconform: { binary: "/kubeconform", locations: ["default"] } };
const TREE = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
  "charts/web/values.yaml": "{}\n",
  "envs/dev.yaml": "{}\n",
  "gitops-pipeline.yaml": 'repoPath: ""\nchart: charts/web\nrelease: web\nenvironments:\n  dev: {values: [envs/dev.yaml], namespace: web-dev}\n',
};
const withHelm = (helm: string) => ({
  ...TREE,
  "argocd/dev.yaml": application("web-dev", "charts/web", "web-dev", `    helm:\n      valueFiles: [../../envs/dev.yaml]\n${helm}`),
});
const templateOf = (calls: string[][]) => calls.find((c) => c[1] === "template")!;

describe("an Application's Helm source, as helm's argv", () => {
  it("Argo CD's comma escaping: every unescaped comma escaped, escaped ones kept", () => {
    expect(escapeSetValue("a,b")).toBe("a\\,b");
    expect(escapeSetValue("a\\,b,c")).toBe("a\\,b\\,c");
    expect(escapeSetValue(",")).toBe("\\,");
    expect(escapeSetValue("a,,b")).toBe("a\\,\\,b");
    expect(escapeSetValue("{a,b}")).toBe("{a,b}");
    fc.assert(
      fc.property(
        fc.string().filter((s) => !(s.startsWith("{") && s.endsWith("}"))),
        (s) => escapeSetValue(s).replace(/\\,/g, "").includes(",") === false,
      ),
    );
  });

  it("inline values become a file laid over the tree, after the value files; the release defaults to the Application's name", async () => {
    const port = fakeValidationPort(withHelm("      values: |\n        motd: hi\n"));
    const r = await runValidation(port, OPTS);
    expect(r.findings).toEqual([]);
    const argv = templateOf(port.calls);
    expect(argv.slice(0, 4)).toEqual(["helm", "template", "web-dev", "charts/web"]);
    expect(argv).toEqual(expect.arrayContaining(["--values", "envs/dev.yaml", "--values", inlineValuesPath("dev"), "--include-crds"]));
    expect(port.overlaid.get("dev")).toEqual({ [inlineValuesPath("dev")]: "motd: hi\n" });
    expect(r.environments[0]!.values).toEqual(["envs/dev.yaml"]);
  });

  it("helm.kubeVersion is helm's --kube-version for that environment (x.y → x.y.0); a bad one is ARGO-HELM-KUBE-VERSION", async () => {
    const kubeOf = (argv: string[]) => argv[argv.indexOf("--kube-version") + 1];
    const given = fakeValidationPort(withHelm("      kubeVersion: '1.30'\n"));
    expect((await runValidation(given, OPTS)).findings).toEqual([]);
    expect(kubeOf(templateOf(given.calls))).toBe("1.30.0");
    expect(kubeOf(given.calls.find((c) => c[1] === "lint")!)).toBe("1.30.0");
    const unset = fakeValidationPort(withHelm(""));
    await runValidation(unset, OPTS);
    expect(kubeOf(templateOf(unset.calls))).toBe("1.36.0");
    const bad = fakeValidationPort(withHelm("      kubeVersion: latest\n"));
    const r = await runValidation(bad, OPTS);
    expect(r.findings.map((f) => [f.rule, f.path])).toEqual([["ARGO-HELM-KUBE-VERSION", "spec.source.helm.kubeVersion"]]);
    expect(kubeOf(templateOf(bad.calls))).toBe("1.36.0");
  });

  it("valuesObject wins over values, as in Argo CD", async () => {
    const port = fakeValidationPort(withHelm("      values: 'motd: text'\n      valuesObject: {motd: object}\n"));
    await runValidation(port, OPTS);
    expect(port.overlaid.get("dev")).toEqual({ [inlineValuesPath("dev")]: "motd: object\n" });
  });

  it("values that are not a map, a parameter without name, a file parameter outside the tree: one finding each, on the Application", async () => {
    const port = fakeValidationPort(
      withHelm("      values: '- a\\n- b'\n      parameters: [{value: '1'}]\n      fileParameters: [{name: banner, path: nope.txt}]\n"),
    );
    const r = await runValidation(port, OPTS);
    expect(r.findings.map((f) => [f.rule, f.file, f.path, f.environment])).toEqual([
      ["ARGO-HELM-VALUES", "argocd/dev.yaml", "spec.source.helm.values", "dev"],
      ["ARGO-HELM-PARAMETERS", "argocd/dev.yaml", "spec.source.helm.parameters[0].name", "dev"],
      ["ARGO-HELM-PARAMETERS", "argocd/dev.yaml", "spec.source.helm.fileParameters[0]", "dev"],
    ]);
  });

  it("without an Application for the environment, gitops-pipeline.yaml alone says how (and ARGO-ENVIRONMENT says it is missing)", async () => {
    const port = fakeValidationPort(TREE);
    const r = await runValidation(port, OPTS);
    expect(templateOf(port.calls).slice(0, 4)).toEqual(["helm", "template", "web", "charts/web"]);
    expect(r.findings.map((f) => f.rule)).toEqual(["ARGO-ENVIRONMENT"]);
  });
});
