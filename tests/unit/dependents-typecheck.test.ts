/**
 * The tests module and the worked example call gitops-pipeline through the client the engine
 * generates for them (`dag.gitopsPipeline()...`). That client does not exist without an engine,
 * so it is re-created from the introspected API with the engine's naming rules
 * (helpers/generated-client.ts) and both modules are type-checked against it: a call of a
 * function the engine names differently (`e2e` is `e2E`), a missing argument or a wrong type
 * fails here.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { clientName, generatedClient, writeGeneratedClient } from "../helpers/generated-client.js";
import { moduleApi } from "../helpers/module-api.js";
import { ROOT } from "../helpers/tools.js";

const MODULES = ["dagger/tests/src", "ci/examples/team-module/src"];

/** Type-check `files` with `@dagger.io/dagger` resolved to the generated client. */
function typecheck(files: string[], client: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    paths: { "@dagger.io/dagger": [client] },
  };
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(ROOT.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

async function client(): Promise<string> {
  return writeGeneratedClient(await moduleApi(), "gitops-pipeline", mkdtempSync(join(tmpdir(), "gitops-client-")));
}

describe("modules that depend on gitops-pipeline use only the client the engine generates", () => {
  it("the tests module and the worked example type-check against it", async () => {
    const file = await client();
    const sources = MODULES.flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(ROOT, d, f)),
    );
    expect(sources.length).toBeGreaterThanOrEqual(3);
    expect(typecheck(sources, file)).toEqual([]);
  }, 60_000);

  it("the check fails on a call the engine's naming would not have, and on a wrong argument", async () => {
    const file = await client();
    const dir = mkdtempSync(join(tmpdir(), "gitops-bad-"));
    const bad = join(dir, "bad.ts");
    writeFileSync(
      bad,
      'import { dag } from "@dagger.io/dagger";\nexport const a = dag.gitopsPipeline().manifests().e2e();\nexport const b = dag.gitopsPipeline().app().test({ minCoverage: "90" });\nexport const c = dag.gitopsPipeline().gitopsRepo().bump();\n',
    );
    const errors = typecheck([bad], file);
    expect(errors.some((e) => /Property 'e2e' does not exist/.test(e))).toBe(true);
    expect(errors.some((e) => /Type 'string' is not assignable to type 'number'/.test(e))).toBe(true);
    expect(errors.some((e) => /Expected 1-2 arguments, but got 0/.test(e))).toBe(true);
  }, 60_000);

  it("names follow the engine: digits split, keywords suffixed, enum members PascalCased", async () => {
    expect(clientName("e2eDocker")).toBe("e2EDocker");
    expect(clientName("from")).toBe("from");
    expect(clientName("default")).toBe("default_");
    const text = generatedClient(await moduleApi(), "gitops-pipeline", "sdk");
    // As the engine's codegen wrote them for the worked example (seen in its generated sdk/).
    expect(text).toContain('export declare enum GitopsPipelineWriteBackFormat { Helm = "helm", Kustomize = "kustomize" }');
    expect(text).toMatch(/export declare class GitopsPipelineApp \{[^}]*lint\(opts\?: \{ linters\?: string\[\] \}\): GitopsPipelineRun;/);
  });
});
