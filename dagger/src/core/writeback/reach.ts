/**
 * Does a write-back reach the cluster? After the edit, the target environment's rendering must
 * run exactly the written reference (repository, tag, digest): a value written under a key the
 * chart never reads (e.g. `image.digest` in a chart without a digest) changes a file and nothing
 * Argo CD deploys. This reads the workloads' images from the renderings before and after the
 * edit, and names the keys the chart's templates read when the reference does not arrive.
 */
import { parseAllDocuments } from "yaml";
import type { Finding } from "../findings.js";
import type { FileEdit } from "./yaml-edit.js";

/** One container of a rendered workload. */
export interface RenderedContainer {
  /** `Kind/namespace/name` (namespace omitted when the object has none). */
  object: string;
  container: string;
  image: string;
}

/** An image reference split into its parts (tag and digest "" when absent). */
export interface ImageParts {
  repository: string;
  tag: string;
  digest: string;
}

/** Split `[host[:port]/]path[:tag][@digest]`. */
export function parseImage(image: string): ImageParts {
  const at = image.indexOf("@");
  const digest = at === -1 ? "" : image.slice(at + 1);
  const name = at === -1 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(":");
  const tagged = colon > name.lastIndexOf("/");
  return { repository: tagged ? name.slice(0, colon) : name, tag: tagged ? name.slice(colon + 1) : "", digest };
}

/** `a` names the repository `b` (or the reverse): equal, or one ends with `/<the other>` (a chart may prefix a registry). */
export function sameRepository(a: string, b: string): boolean {
  const strip = (r: string): string => r.replace(/^docker\.io\/(library\/)?/, "");
  const x = strip(a);
  const y = strip(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The pod spec of a workload object, or undefined. */
function podSpec(o: Obj): Obj | undefined {
  const spec = isObj(o.spec) ? o.spec : undefined;
  if (!spec) return undefined;
  if (o.kind === "Pod") return spec;
  if (o.kind === "CronJob") {
    const jt = isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    return jt && isObj(jt.template) && isObj(jt.template.spec) ? jt.template.spec : undefined;
  }
  return isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : undefined;
}

/**
 * Every container (and init container) of the workloads in a rendering. Helm test hooks are left
 * out: Argo CD never deploys them.
 */
export function renderedContainers(yamlText: string): RenderedContainer[] {
  const out: RenderedContainer[] = [];
  for (const doc of parseAllDocuments(yamlText) as unknown as { toJS(): unknown }[]) {
    let o: unknown;
    try {
      o = doc.toJS();
    } catch {
      continue; // validate reports unparsable renderings; here they hold no container
    }
    if (!isObj(o) || typeof o.kind !== "string") continue;
    const meta = isObj(o.metadata) ? o.metadata : {};
    const hook = isObj(meta.annotations) ? String(meta.annotations["helm.sh/hook"] ?? "") : "";
    if (/\btest(-success|-failure)?\b/.test(hook)) continue;
    const spec = podSpec(o);
    if (!spec) continue;
    const object = [o.kind, meta.namespace, meta.name].filter((x) => typeof x === "string" && x).join("/");
    for (const list of [spec.initContainers, spec.containers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list) if (isObj(c) && typeof c.image === "string") out.push({ object, container: String(c.name ?? ""), image: c.image });
    }
  }
  return out;
}

/** What the edit wrote, read from its outcomes: the reference the environment must now run, and the one it ran. */
export interface WrittenRef {
  /** Keys (or kustomize fields) written, by kind. */
  keys: { tag?: string; digest?: string; repository?: string };
  next: { repository?: string; tag?: string; digest?: string };
  previous: { repository?: string; tag?: string; digest?: string };
}

/** The reference an edit writes, from its outcomes (tag, digest, repository; app versions are not image parts). */
export function writtenRef(changed: FileEdit[]): WrittenRef {
  const r: WrittenRef = { keys: {}, next: {}, previous: {} };
  for (const o of changed.flatMap((f) => f.outcomes)) {
    if (o.kind === "version") continue;
    r.keys[o.kind] = o.path;
    r.next[o.kind] = o.to;
    if (o.from !== null && o.from !== "") r.previous[o.kind] = o.from;
  }
  return r;
}

/** The value paths a chart's templates read: `.Values.a.b` and `index .Values "a" "b"`, with where. */
export function valueKeysRead(templates: { file: string; text: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of templates) {
    for (const m of t.text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) if (!out.has(m[1]!.slice(1))) out.set(m[1]!.slice(1), t.file);
    for (const m of t.text.matchAll(/index\s+\.Values((?:\s+"[^"]+")+)/g)) {
      const key = [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]).join(".");
      if (!out.has(key)) out.set(key, t.file);
    }
  }
  return out;
}

/** What a chart reads for one part of the image, for the refusal: candidate keys, or that it reads none. */
export function keyAdvice(part: "tag" | "digest" | "repository", written: string | undefined, templates: { file: string; text: string }[]): string {
  const read = valueKeysRead(templates);
  const pattern = part === "digest" ? /digest|sha/i : part === "tag" ? /tag|version/i : /repository|image|registry|name$/i;
  const candidates = [...read.keys()].filter((k) => pattern.test(k.split(".").pop()!) && k !== written);
  const config = `writeBack.keys.${part}`;
  if (written && read.has(written)) return `the chart reads ${written} (${read.get(written)}), but another value overrides it in this environment's rendering`;
  if (candidates.length)
    return `the chart never reads ${written ?? `a ${part} key`}; its templates read ${candidates.map((k) => `${k} (${read.get(k)})`).join(", ")}: set ${config} in gitops-pipeline.yaml to the one that holds the ${part}`;
  const anyDigest = part === "digest" && templates.some((t) => /digest/i.test(t.text));
  if (anyDigest)
    return `the chart never reads ${written ?? "a digest key"} from its values; a template mentions a digest (${templates
      .filter((t) => /digest/i.test(t.text))
      .map((t) => t.file)
      .join(", ")}): set ${config} in gitops-pipeline.yaml to the values key it reads`;
  return part === "digest"
    ? `the chart has no digest key: none of its templates reads a digest, so a digest cannot reach this rendering. Bump by tag only (leave out --digest), or deploy through a chart or kustomize overlay that renders image@digest`
    : `the chart reads no ${part} key that ${written ?? "the write-back"} could set: set ${config} in gitops-pipeline.yaml to the values key the chart's image line reads`;
}

/** Does `c` run the reference `want` (digest-only renderings run exactly the same image: the tag is not needed then)? */
function mismatch(img: ImageParts, want: WrittenRef["next"]): ("tag" | "digest" | "repository")[] {
  const out: ("tag" | "digest" | "repository")[] = [];
  if (want.repository && !sameRepository(img.repository, want.repository)) out.push("repository");
  if (want.digest !== undefined && (want.digest ? img.digest !== want.digest : img.digest !== "")) out.push("digest");
  if (want.tag && img.tag !== want.tag && !(want.digest && img.digest === want.digest && !img.tag)) out.push("tag");
  return out;
}

/**
 * Check that the target environment's rendering runs the written reference. The app's containers
 * are those that ran the previous reference, that changed, or that run the new one; each must now
 * run it exactly. Returns refusal findings (empty: the edit reaches the cluster).
 */
export function reachFindings(a: {
  environment: string;
  /** Rendering key the edit targets, for messages. */
  key: string;
  before: string;
  after: string;
  written: WrittenRef;
  templates: { file: string; text: string }[];
}): Finding[] {
  const { next, previous, keys } = a.written;
  if (!next.tag && !next.digest && !next.repository) return [];
  const before = renderedContainers(a.before);
  const after = renderedContainers(a.after);
  const id = (c: RenderedContainer): string => `${c.object}#${c.container}`;
  const beforeById = new Map(before.map((c) => [id(c), c]));
  const prevRepo = previous.repository;
  const ranPrevious = (c: RenderedContainer): boolean => {
    const p = parseImage(c.image);
    const tagOrDigest = (previous.tag && p.tag === previous.tag) || (previous.digest && p.digest === previous.digest);
    return Boolean(tagOrDigest) && (!prevRepo || sameRepository(p.repository, prevRepo));
  };
  const runsNext = (c: RenderedContainer): boolean => {
    const p = parseImage(c.image);
    const hit = (next.tag && p.tag === next.tag) || (next.digest && p.digest === next.digest);
    return Boolean(hit) && (!next.repository || sameRepository(p.repository, next.repository));
  };
  const targets = after.filter((c) => {
    const b = beforeById.get(id(c));
    return (b && (b.image !== c.image || ranPrevious(b))) || runsNext(c);
  });
  const finding = (part: "tag" | "digest" | "repository", message: string, object?: string): Finding => ({
    source: "write-back",
    rule: "WRITEBACK-REACH",
    severity: "error",
    environment: a.environment,
    file: `rendered/${a.key}.yaml`,
    ...(object ? { object } : {}),
    message: `${message}; ${keyAdvice(part, keys[part], a.templates)}`,
  });
  if (targets.length === 0) {
    const part = next.tag && next.tag !== previous.tag ? "tag" : next.digest ? "digest" : next.tag ? "tag" : "repository";
    const wrote = keys[part] ?? part;
    return [
      finding(
        part,
        `the ${part} written to ${wrote} never reaches the rendering of ${a.environment}: no workload runs ${next.repository ? `${next.repository}${next.tag ? `:${next.tag}` : ""}${next.digest ? `@${next.digest}` : ""}` : [next.tag && `tag ${next.tag}`, next.digest && `digest ${next.digest}`].filter(Boolean).join(" or ")} after the edit`,
      ),
    ];
  }
  const out: Finding[] = [];
  for (const c of targets) {
    const parts = mismatch(parseImage(c.image), next);
    for (const part of parts) {
      const wantText = part === "digest" ? next.digest || "no digest" : part === "tag" ? next.tag : next.repository;
      out.push(
        finding(
          part,
          `${c.object} container ${c.container} runs ${c.image} after the edit, not the written ${part} ${wantText} (written to ${keys[part] ?? part})`,
          c.object,
        ),
      );
    }
  }
  return out;
}
