/**
 * Anchors and aliases: an edit of a value that an alias elsewhere repeats (`tag: &t "1.0.0"` and
 * `appVersion: *t`, or an anchored mapping `image: &img` aliased as `sidecar: *img`) would change
 * those places too while the diff showed one line. The edit refuses it, naming every alias.
 */
import { isAlias, isCollection, isDocument, isPair, isScalar, isSeq, visit, type Document, type Node } from "yaml";
import { InputError } from "../errors.js";
import { linePos } from "./yaml-locate.js";

/** An alias that repeats one of the nodes an edit would change. */
export interface AliasUse {
  /** The anchor name (`t` for `&t` / `*t`). */
  anchor: string;
  /** Dotted path of the alias in its document (`sidecar.tag`, `list[2]`). */
  path: string;
  /** 1-based line of the alias in the text. */
  line: number;
}

/** The dotted path of a node from `visit`'s ancestor list and its key in the last one. */
function pathOf(ancestors: readonly unknown[], key: unknown): string {
  const parts: string[] = [];
  const chain = [...ancestors];
  for (let i = 0; i < chain.length; i++) {
    const a = chain[i];
    if (isDocument(a)) continue;
    if (isPair(a)) parts.push(isScalar(a.key) ? String(a.key.value) : "?");
    else if (isSeq(a)) {
      const next = i + 1 < chain.length ? chain[i + 1] : undefined;
      const idx = next === undefined ? Number(key) : a.items.indexOf(next as never);
      parts[parts.length - 1] = `${parts.at(-1) ?? ""}[${idx}]`;
    }
  }
  return parts.join(".") || "(the document)";
}

/**
 * Every alias of `doc` that resolves to one of `nodes` (an alias resolves to the last node with
 * its anchor before it, as YAML says). One pass over the document; nothing when no node is anchored.
 */
export function aliasesOf(doc: Document.Parsed, text: string, nodes: Node[]): AliasUse[] {
  const anchored = new Set(nodes.filter((n) => (isScalar(n) || isCollection(n)) && n.anchor));
  if (anchored.size === 0) return [];
  const latest = new Map<string, Node>();
  const uses: AliasUse[] = [];
  visit(doc, {
    Node(_, n) {
      if (!isAlias(n) && n.anchor) latest.set(n.anchor, n);
      return undefined;
    },
    Alias(key, a, ancestors) {
      const target = latest.get(a.source);
      if (target && anchored.has(target)) uses.push({ anchor: a.source, path: pathOf(ancestors, key), line: linePos(text, a.range?.[0] ?? 0).line });
      return undefined;
    },
  });
  return uses;
}

/** Refuse an edit at `at` (whose path walked `chain`) when an alias repeats a node of it. */
export function refuseAliased(doc: Document.Parsed, text: string, chain: Node[], at: string): void {
  const uses = aliasesOf(doc, text, chain);
  if (uses.length === 0) return;
  const list = uses.map((u) => `${u.path} (*${u.anchor}, line ${u.line})`).join(", ");
  throw new InputError(
    at,
    `is anchored and aliased elsewhere: editing it would also change ${list}, which the diff would not show`,
    "give those keys their own value instead of the alias, or point the write-back at a key that is not anchored",
  );
}
