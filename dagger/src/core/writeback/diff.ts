/**
 * Unified diff of two texts, line by line, in the format `git apply` and `patch` read.
 *
 * Our own ~100 lines instead of a dependency: write-back edits change a handful of lines in a
 * file, so after trimming the common prefix and suffix Myers' O(ND) search runs on a tiny
 * window even for 10,000-line files.
 */

type Op = { kind: " " | "-" | "+"; line: string };

/**
 * Split into lines. A last line without a newline keeps a trailing "\n" as a marker (no real
 * line contains one), so "x" and "x\n" differ like any other changed line.
 */
function lines(text: string): { lines: string[] } {
  if (text === "") return { lines: [] };
  const eol = text.endsWith("\n");
  const ls = (eol ? text.slice(0, -1) : text).split("\n");
  if (!eol) ls[ls.length - 1] += "\n";
  return { lines: ls };
}

/** Shortest edit script between a and b (Myers 1986, greedy forward search with trace). */
function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  // Walk the trace backwards to recover the path.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!);
    const pk = down ? k + 1 : k - 1;
    const px = d === 0 ? 0 : vd[off + pk]!;
    const py = px - pk;
    while (x > px && y > py && x > 0 && y > 0) {
      ops.push({ kind: " ", line: a[--x]! });
      y--;
    }
    if (d === 0) break;
    if (down) ops.push({ kind: "+", line: b[--y]! });
    else ops.push({ kind: "-", line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: " ", line: a[--x]! });
    y--;
  }
  return ops.reverse();
}

/**
 * The part of two texts a diff has to look at: from `context` lines before the first differing
 * line to `context` lines after the last one, and how many lines precede it. Found by comparing
 * characters, so a 5 MB file with one changed line is never split into 200,000 lines.
 */
function window(before: string, after: string, context: number): { a: string; b: string; skipped: number } {
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  // Whole lines only: the common prefix ends after a newline, the common suffix starts after one.
  // (lastIndexOf reads a negative start as 0: guard the first line.)
  p = p === 0 ? 0 : before.lastIndexOf("\n", p - 1) + 1;
  const nl = s === 0 ? -1 : before.indexOf("\n", before.length - s);
  s = nl === -1 ? 0 : before.length - nl - 1;
  let ws = p;
  for (let k = 0; k < context && ws > 0; k++) ws = ws < 2 ? 0 : before.lastIndexOf("\n", ws - 2) + 1;
  let tail = 0; // characters of the suffix kept as context
  for (let k = 0; k < context && tail < s; k++) {
    const e = before.indexOf("\n", before.length - s + tail);
    tail = e === -1 ? s : e + 1 - (before.length - s);
  }
  let skipped = 0;
  for (let i = before.indexOf("\n"); i !== -1 && i < ws; i = before.indexOf("\n", i + 1)) skipped++;
  return { a: before.slice(ws, before.length - s + tail), b: after.slice(ws, after.length - s + tail), skipped };
}

/** Unified diff of `before` → `after` for `file`, with `context` lines; "" when equal. */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  return before === after ? "" : diffOf(file, window(before, after, context), context);
}

/** unifiedDiff over the whole texts, without the window (the reference the window must match). */
export function unifiedDiffWhole(file: string, before: string, after: string, context = 3): string {
  return before === after ? "" : diffOf(file, { a: before, b: after, skipped: 0 }, context);
}

function diffOf(file: string, w: { a: string; b: string; skipped: number }, context: number): string {
  const A = lines(w.a);
  const B = lines(w.b);
  let pre = 0;
  while (pre < A.lines.length && pre < B.lines.length && A.lines[pre] === B.lines[pre]) pre++;
  let suf = 0;
  while (suf < A.lines.length - pre && suf < B.lines.length - pre && A.lines[A.lines.length - 1 - suf] === B.lines[B.lines.length - 1 - suf]) suf++;
  const ops: Op[] = [
    ...A.lines.slice(0, pre).map((line) => ({ kind: " " as const, line })),
    ...myers(A.lines.slice(pre, A.lines.length - suf), B.lines.slice(pre, B.lines.length - suf)),
    ...A.lines.slice(A.lines.length - suf).map((line) => ({ kind: " " as const, line })),
  ];
  // Group changes into hunks with `context` lines around them.
  const out = [`--- a/${file}`, `+++ b/${file}`];
  let i = 0;
  const ai: number[] = [];
  const bi: number[] = [];
  let ac = 0;
  let bc = 0;
  for (const op of ops) {
    ai.push(ac);
    bi.push(bc);
    if (op.kind !== "+") ac++;
    if (op.kind !== "-") bc++;
  }
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === " ") i++;
    if (i >= ops.length) break;
    let start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2*context lines.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== " ") end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.kind === " ") gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== "+").length;
    const bCount = hunk.filter((o) => o.kind !== "-").length;
    const aStart = aCount === 0 ? ai[start]! : ai[start]! + 1;
    const bStart = bCount === 0 ? bi[start]! : bi[start]! + 1;
    out.push(`@@ -${aStart + w.skipped},${aCount} +${bStart + w.skipped},${bCount} @@`);
    for (let j = start; j < stop; j++) {
      const op = ops[j]!;
      if (op.line.endsWith("\n")) out.push(op.kind + op.line.slice(0, -1), "\\ No newline at end of file");
      else out.push(op.kind + op.line);
    }
    i = stop;
    start = stop;
  }
  return out.join("\n") + "\n";
}
