import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { IGNORE_FILES, parseIgnoreFile, pickIgnoreFile, waiverLines } from "../../dagger/src/core/app/trivyignore.js";

describe("the app's Trivy ignore file", () => {
  it("is found at the top of the app directory under any of its names; two of them are refused, naming source", () => {
    expect(pickIgnoreFile(["Dockerfile", "app.py"])).toBeUndefined();
    expect(pickIgnoreFile(["Dockerfile", ".trivyignore"])).toBe(".trivyignore");
    expect(pickIgnoreFile([".trivyignore.yaml", "x"])).toBe(".trivyignore.yaml");
    expect(() => pickIgnoreFile([".trivyignore", ".trivyignore.yaml"])).toThrow(
      /^--source: has \.trivyignore and \.trivyignore\.yaml; Trivy reads only one ignore file/,
    );
  });

  it("property: any one name of the list, among other files, is the one picked", () => {
    fc.assert(
      fc.property(fc.constantFrom(...IGNORE_FILES), fc.array(fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$/)), (name, others) => {
        expect(pickIgnoreFile([...others, name])).toBe(name);
      }),
    );
  });

  it("plain form: one id a line, exp: dates, comments and blank lines skipped", () => {
    const text = "# waivers\nCVE-2026-0001\n\nCVE-2026-0002 exp:2027-01-31\nGHSA-aaaa-bbbb-cccc # tracked in #12\n  aws-access-key-id  \n";
    expect(parseIgnoreFile(".trivyignore", text)).toEqual([
      { id: "CVE-2026-0001" },
      { id: "CVE-2026-0002", expires: "2027-01-31" },
      { id: "GHSA-aaaa-bbbb-cccc" },
      { id: "aws-access-key-id" },
    ]);
  });

  it("YAML form: ids by kind with paths, expiry and statement; a broken file is an input error naming source", () => {
    const text =
      "vulnerabilities:\n  - id: CVE-2026-0001\n    statement: not reachable\n    expired_at: 2027-01-31\nsecrets:\n  - id: aws-access-key-id\n    paths: [settings.py]\n";
    expect(parseIgnoreFile(".trivyignore.yaml", text)).toEqual([
      { id: "CVE-2026-0001", kind: "vulnerabilities", expires: "2027-01-31", statement: "not reachable" },
      { id: "aws-access-key-id", kind: "secrets", paths: ["settings.py"] },
    ]);
    expect(parseIgnoreFile(".trivyignore.yml", "")).toEqual([]);
    expect(() => parseIgnoreFile(".trivyignore.yaml", "vulnerabilities: [\n")).toThrow(/^--source: \.trivyignore\.yaml is not valid YAML/);
    expect(() => parseIgnoreFile(".trivyignore.yaml", "vulnerabilities: CVE-1\n")).toThrow(/vulnerabilities is not a list/);
    expect(() => parseIgnoreFile(".trivyignore.yaml", "secrets:\n  - paths: [a]\n")).toThrow(/an entry of secrets has no id/);
  });

  it("waivers are listed for the run, expired ones marked as no longer applied", () => {
    const entries = parseIgnoreFile(".trivyignore", "CVE-2026-0001 exp:2026-01-01\nCVE-2026-0002 exp:2027-06-30\nCVE-2026-0003\n");
    expect(waiverLines(".trivyignore", entries, "2026-12-03")).toEqual([
      ".trivyignore: 3 waivers",
      "  waived CVE-2026-0001 expired 2026-01-01, no longer applied",
      "  waived CVE-2026-0002 until 2027-06-30",
      "  waived CVE-2026-0003",
    ]);
    expect(waiverLines(".trivyignore", [], "2026-12-03")).toEqual([".trivyignore: no waivers"]);
    const yaml = parseIgnoreFile(".trivyignore.yaml", "secrets:\n  - id: aws-access-key-id\n    paths: [settings.py]\n    statement: fixture\n");
    expect(waiverLines(".trivyignore.yaml", yaml, "2026-12-03")).toEqual([
      ".trivyignore.yaml: 1 waiver",
      "  waived secrets aws-access-key-id in settings.py: fixture",
    ]);
  });
});
