/**
 * The title and body of a proposed write-back: what changes (environment, image, source
 * commit: the commit message's lines), the diff in a fence, and the validation summary.
 */

/** Longest diff put into a body (GitHub refuses bodies over 65536 characters). */
export const MAX_DIFF = 50_000;

/** A fence longer than any backtick run in `text`, so the diff cannot close it. */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  return "`".repeat(Math.max(3, longest + 1));
}

/** What the body is rendered from. */
export interface ProposalFacts {
  stage: string;
  environment: string;
  /** Target branch. */
  base: string;
  /** The proposal branch. */
  branch: string;
  /** The commit message (its first line is the title). */
  message: string;
  diff: string;
  validation: string;
}

/** Title and body of the pull / merge request. */
export function proposalText(f: ProposalFacts): { title: string; body: string } {
  const [title = `${f.stage} ${f.environment}`, ...rest] = f.message.trimEnd().split("\n");
  const facts = rest
    .filter((l) => /^[A-Z][A-Za-z-]*: /.test(l))
    .map((l) => {
      const i = l.indexOf(": ");
      return `- **${l.slice(0, i)}**: \`${l.slice(i + 2)}\``;
    });
  const diff = f.diff.length > MAX_DIFF ? `${f.diff.slice(0, MAX_DIFF)}\n… (diff cut at ${MAX_DIFF} characters; the branch holds the whole change)\n` : f.diff;
  const fence = fenceFor(diff);
  const body = [
    `The gitops pipeline's **${f.stage}** proposes this change to environment **${f.environment}**: merge it into \`${f.base}\` to deploy.`,
    "",
    `- **Environment**: \`${f.environment}\``,
    ...facts,
    `- **Branch**: \`${f.branch}\` (rewritten by every run of the pipeline for ${f.environment})`,
    "",
    "### Diff",
    "",
    `${fence}diff`,
    diff.trimEnd(),
    fence,
    "",
    "### Validation",
    "",
    f.validation,
    "",
  ].join("\n");
  return { title, body };
}
