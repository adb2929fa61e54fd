import { describe, expect, it } from "vitest";
import { enumMemberName, kebab, lowerCamel, namespacedTypeName, screamingSnake, upperCamel } from "../helpers/engine-names.js";

/**
 * [name, ToKebab, ToLowerCamel, ToScreamingSnake, ToCamel] as printed by iancoleman/strcase v0.3.0
 * (the engine's case library, go.mod of dagger v0.21.8) for these inputs.
 */
const VECTORS: [string, string, string, string, string][] = [
  ["e2e", "e-2-e", "e2E", "E_2_E", "E2E"],
  ["e2eDocker", "e-2-e-docker", "e2EDocker", "E_2_E_DOCKER", "E2EDocker"],
  ["flake8", "flake-8", "flake8", "FLAKE_8", "Flake8"],
  ["Flake8", "flake-8", "flake8", "FLAKE_8", "Flake8"],
  ["FLAKE8", "flake-8", "flake8", "FLAKE_8", "Flake8"],
  ["pytestCov", "pytest-cov", "pytestCov", "PYTEST_COV", "PytestCov"],
  ["k8sVersion", "k-8-s-version", "k8SVersion", "K_8_S_VERSION", "K8SVersion"],
  ["sha256Digest", "sha-256-digest", "sha256Digest", "SHA_256_DIGEST", "Sha256Digest"],
  ["endToEnd", "end-to-end", "endToEnd", "END_TO_END", "EndToEnd"],
  ["ruffFormat", "ruff-format", "ruffFormat", "RUFF_FORMAT", "RuffFormat"],
  ["withSshKey", "with-ssh-key", "withSshKey", "WITH_SSH_KEY", "WithSshKey"],
  ["kindNodeImage", "kind-node-image", "kindNodeImage", "KIND_NODE_IMAGE", "KindNodeImage"],
  ["v2Thing", "v-2-thing", "v2Thing", "V_2_THING", "V2Thing"],
  ["http2Server", "http-2-server", "http2Server", "HTTP_2_SERVER", "Http2Server"],
  ["ipv4", "ipv-4", "ipv4", "IPV_4", "Ipv4"],
  ["runE2E", "run-e-2-e", "runE2E", "RUN_E_2_E", "RunE2E"],
];

describe("engine naming", () => {
  it.each(VECTORS)("%s", (name, k, lc, ss, uc) => {
    expect(kebab(name)).toBe(k);
    expect(lowerCamel(name)).toBe(lc);
    expect(screamingSnake(name)).toBe(ss);
    expect(upperCamel(name)).toBe(uc);
  });

  it("keeps conventional enum member names and converts the others", () => {
    expect(enumMemberName("FLAKE8")).toBe("FLAKE8");
    expect(enumMemberName("RUFF_FORMAT")).toBe("RUFF_FORMAT");
    expect(enumMemberName("Flake8")).toBe("FLAKE_8");
    expect(enumMemberName("RuffFormat")).toBe("RUFF_FORMAT");
  });

  it("namespaces module types", () => {
    expect(namespacedTypeName("GitopsPipeline", "gitops-pipeline")).toBe("GitopsPipeline");
    expect(namespacedTypeName("App", "gitops-pipeline")).toBe("GitopsPipelineApp");
    expect(namespacedTypeName("GitopsPipelineApp", "gitops-pipeline")).toBe("GitopsPipelineApp");
    expect(namespacedTypeName("GitopsPipelinesX", "gitops-pipeline")).toBe("GitopsPipelineGitopsPipelinesX");
  });
});
