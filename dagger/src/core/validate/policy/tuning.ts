/**
 * The team's tuning applied: the level of each rule for one app and environment (profile, then
 * global, app and environment levels, the most specific winning), and the waivers of the waivers
 * file (selector, reason, expiry), with the waivers that are broken, expired or never used
 * reported once per validation.
 */
import { InputError } from "../../errors.js";
import type { Manifest } from "../manifests.js";
import { profileLevel } from "./profiles.js";
import { DEFAULT_POLICY, WAIVERS_FILE, type FileWaiver, type Level, type PolicySettings, type Profile, type WaiverMatch } from "./settings.js";
import type { PolicyFinding, Violation } from "./types.js";

/** Rule id of a waiver whose expiry date has passed (it waives nothing). */
export const WAIVER_EXPIRED_RULE = "POL-WAIVER-EXPIRED";
/** Rule id of a waiver of the waivers file that waived no finding. */
export const WAIVER_UNUSED_RULE = "POL-WAIVER-UNUSED";

/** Where a rendering belongs: its app (the release in a single-app tree) and environment. */
export interface PolicyScope {
  app?: string;
  environment?: string;
}

/** A waiver-file finding: names the file and the waiver's path instead of an object. */
export type WaiverFileFinding = Omit<PolicyFinding, "object" | "template"> & { object: string; template: string; file: string };

/** `*` matches any text; everything else literally. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    ignoreCase ? "i" : "",
  );
  return re.test(value);
}

const anyOf = (patterns: readonly string[] | undefined, value: string | undefined, ignoreCase = false): boolean =>
  patterns === undefined || patterns.some((p) => globMatches(p, value ?? "", ignoreCase));

/** Whether a waiver's selector matches an object of a rendering (kind ignores case). */
export function matchesObject(match: WaiverMatch, m: Pick<Manifest, "kind" | "name" | "namespace">, scope: PolicyScope): boolean {
  return anyOf(match.kind, m.kind, true) && anyOf(match.name, m.name) && anyOf(match.namespace, m.namespace) && matchesScope(match, scope);
}

/** Whether a waiver's selector can match anything of a rendering of `scope` (its app and environment). */
export function matchesScope(match: WaiverMatch, scope: PolicyScope): boolean {
  return anyOf(match.app, scope.app) && anyOf(match.environment, scope.environment);
}

/** The tuning of one validation: settings, waivers and the day expiry is judged against. */
export interface PolicyTuningInput {
  settings?: PolicySettings;
  /** gitops-pipeline.yaml, for hints and errors. */
  settingsFile?: string;
  waivers?: FileWaiver[];
  /** The waivers file (the configured one, or the default), for hints. */
  waiversFile?: string;
  /** YYYY-MM-DD (UTC) expiry is judged against. */
  today?: string;
  /** Findings and hints name the app (multi-app trees). */
  multiApp?: boolean;
}

/** A validation's policy tuning: levels, waivers and their use. One per validation, shared by every rendering. */
export class PolicyTuning {
  readonly settings: PolicySettings;
  readonly settingsFile: string;
  readonly waiversFile: string;
  readonly multiApp: boolean;
  readonly today: string;
  private readonly waivers: FileWaiver[];
  private readonly used = new Set<number>();
  private readonly scopes: PolicyScope[] = [];

  constructor(
    input: PolicyTuningInput = {},
    private readonly knownRules: ReadonlySet<string> = new Set(),
  ) {
    this.settings = input.settings ?? DEFAULT_POLICY;
    this.settingsFile = input.settingsFile ?? "gitops-pipeline.yaml";
    this.waiversFile = input.waiversFile ?? input.settings?.waivers ?? WAIVERS_FILE;
    this.waivers = input.waivers ?? [];
    this.today = input.today ?? new Date().toISOString().slice(0, 10);
    this.multiApp = input.multiApp ?? false;
  }

  /** The profile of a scope: the environment's, else the app's, else the global one. */
  profile(scope: PolicyScope): Profile {
    const s = this.settings;
    return (scope.environment ? s.environments[scope.environment]?.profile : undefined) ?? (scope.app ? s.apps[scope.app]?.profile : undefined) ?? s.profile;
  }

  /** The level of `rule` in `scope` for violation `v`: an explicit level (environment, app, global) wins over the profile. */
  level(rule: string, fallback: Level | "info", scope: PolicyScope, v?: Pick<Violation, "pss">): Level | "info" {
    const s = this.settings;
    const explicit =
      (scope.environment ? s.environments[scope.environment]?.rules[rule] : undefined) ??
      (scope.app ? s.apps[scope.app]?.rules[rule] : undefined) ??
      s.rules[rule];
    return explicit ?? profileLevel(this.profile(scope), rule, fallback, v);
  }

  /** Remember that a rendering of `scope` was judged (a waiver outside every judged scope is not "unused"). */
  judged(scope: PolicyScope): void {
    this.scopes.push(scope);
  }

  /** The usable waiver of the file that waives `rule` for `m` in `scope` (marked used), if any. */
  waiverFor(rule: string, m: Pick<Manifest, "kind" | "name" | "namespace">, scope: PolicyScope): FileWaiver | undefined {
    const i = this.waivers.findIndex((w) => this.usable(w) && w.rules.includes(rule) && matchesObject(w.match, m, scope));
    if (i < 0) return undefined;
    this.used.add(i);
    return this.waivers[i];
  }

  private usable(w: FileWaiver): boolean {
    return this.problemOf(w) === undefined && !this.expired(w);
  }

  private expired(w: FileWaiver): boolean {
    return w.expires !== undefined && w.expires < this.today;
  }

  private problemOf(w: FileWaiver): { path: string; message: string } | undefined {
    const unknown = w.rules.filter((r) => !this.knownRules.has(r) || r.startsWith("POL-WAIVER"));
    if (unknown.length) return { path: `${w.path}.rule`, message: `waiver names unknown rule ${unknown.join(", ")} (it waives nothing)` };
    if (!w.reason)
      return { path: `${w.path}.reason`, message: `waiver of ${w.rules.join(", ")} gives no reason, so it waives nothing: say why these objects are exempt` };
    return undefined;
  }

  /**
   * The waivers file's own findings, once per validation: broken waivers (POL-WAIVER), expired
   * ones (POL-WAIVER-EXPIRED) and, among the waivers that could apply to what was judged, those
   * that waived nothing (POL-WAIVER-UNUSED, info unless tuned).
   */
  fileFindings(): WaiverFileFinding[] {
    const out: WaiverFileFinding[] = [];
    const push = (rule: string, fallback: Level | "info", w: FileWaiver, path: string, message: string, hint: string): void => {
      const level = this.level(rule, fallback, {});
      if (level === "off") return;
      out.push({ source: "policy", rule, severity: level, file: w.file, ...(w.line ? { line: w.line } : {}), object: "", template: "", path, message, hint });
    };
    this.waivers.forEach((w, i) => {
      const problem = this.problemOf(w);
      const what = `${w.path} (${w.rules.join(", ")})`;
      if (problem) push("POL-WAIVER", "error", w, problem.path, `${what}: ${problem.message}`, `to fix: edit ${w.file} ${problem.path}`);
      else if (this.expired(w))
        push(
          WAIVER_EXPIRED_RULE,
          "error",
          w,
          `${w.path}.expires`,
          `${what} expired on ${w.expires} (today is ${this.today}): it waives nothing; its findings are reported again`,
          `to fix: fix what it waived, or renew ${w.file} ${w.path}.expires with a reason that still holds`,
        );
      else if (!this.used.has(i) && this.scopes.some((s) => matchesScope(w.match, s))) {
        push(
          WAIVER_UNUSED_RULE,
          "info",
          w,
          `${w.path}.match`,
          `${what} waived no finding of what was validated: the objects it names comply, are gone, or its match is wrong`,
          `to fix: remove ${w.path} from ${w.file}, or correct its match`,
        );
      }
    });
    return out;
  }
}

/**
 * Check that the tuning names only known rules, apps and environments: a typo must not silently
 * tune nothing. InputError names gitops-pipeline.yaml and the path.
 */
export function checkTuningNames(
  settings: PolicySettings,
  file: string,
  known: { rules: ReadonlySet<string>; apps: readonly string[]; environments: readonly string[] },
): void {
  const rules = (where: string, levels: Record<string, unknown>): void => {
    for (const id of Object.keys(levels)) {
      if (!known.rules.has(id)) throw new InputError(`${file}: ${where}.${id}`, "is not a policy rule", `use one of: ${[...known.rules].join(", ")}`);
    }
  };
  rules("policy.rules", settings.rules);
  for (const [app, layer] of Object.entries(settings.apps)) {
    if (!known.apps.includes(app)) throw new InputError(`${file}: policy.apps.${app}`, "is not an app of this tree", `use one of: ${known.apps.join(", ")}`);
    rules(`policy.apps.${app}.rules`, layer.rules);
  }
  for (const [env, layer] of Object.entries(settings.environments)) {
    if (!known.environments.includes(env))
      throw new InputError(`${file}: policy.environments.${env}`, "is not an environment of this tree", `use one of: ${known.environments.join(", ")}`);
    rules(`policy.environments.${env}.rules`, layer.rules);
  }
}
