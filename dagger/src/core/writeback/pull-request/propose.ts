/**
 * Pull-request mode of the write-back loop: instead of pushing to the branch Argo CD watches,
 * propose the change on `<branchPrefix><environment>` and open (or update) the pull request /
 * merge request for it.
 *
 *  1. The API check (token, project, push rights) runs first: a refused token pushes nothing.
 *  2. Sync to the base head; edit and validate exactly as a direct write-back (nothing is
 *     pushed when validation fails).
 *  3. Read the proposal branch. Commits on it that the write-back did not make (another
 *     committer) are a conflict: an InputError naming the branch, nothing pushed.
 *  4. Commit on the base head. When the branch already holds the same tree on the same base,
 *     push nothing (idempotent); else force-push with a lease on the head read in 3, so a
 *     concurrent writer makes the push fail (and the loop retries from 2), never lost.
 *  5. Find the open request from the branch; create it, update its title/body, or leave it.
 *
 * Dry run: 1–3 (reads only) and the diff; nothing committed, pushed or posted.
 */
import { InputError, StageError } from "../../errors.js";
import type { CommitInfo, PushStatus } from "../git.js";
import { backoffMs, gatedMessage, prepare, pushReason, type GitPort, type WriteBackOptions, type WriteBackPlan, type WriteBackResult } from "../loop.js";
import { call, type HttpClient } from "./api.js";
import { proposalText } from "./body.js";
import { proposalBranch, type Provider, type PullRequestConfig } from "./config.js";
import { decide, forgeOf, type Forge, type Proposal } from "./forge.js";

/** A git work tree that can also read and lease-push a second branch. */
export interface ProposalPort<Tree> extends GitPort<Tree> {
  /** Fetch `branch` of the remote; its head, or undefined when the remote has no such branch. */
  branchHead(branch: string): Promise<string | undefined>;
  /** The commits reachable from `to` and not from `from` (full commit ids or HEAD), newest first. */
  commits(from: string, to: string): Promise<CommitInfo[]>;
  /** Push HEAD to `branch` if the remote's branch is still `expect` ("" = absent). */
  pushBranch(branch: string, expect: string): Promise<{ status: PushStatus; detail: string }>;
}

/** The request the run left open. */
export interface PullRequestOutcome {
  provider: Provider;
  url: string;
  number: number;
  branch: string;
  action: "created" | "updated" | "unchanged";
}

/** A write-back's result, with the proposal's status, branch and request; `commit` is the proposal branch's commit (or the base head for no-op / dry-run). */
export interface ProposalResult extends Omit<WriteBackResult, "status"> {
  /** proposed: the request is open with this change; no-op: the base already has it; dry-run. */
  status: "proposed" | "no-op" | "dry-run";
  branch: string;
  pullRequest?: PullRequestOutcome;
}

/** Where to propose: the forge settings, the base branch, the API client. */
export interface ProposalTarget {
  config: PullRequestConfig;
  /** The branch Argo CD watches: the request's target. */
  base: string;
  http: HttpClient;
}

/** Check the token and project with one read before anything else happens. */
export async function checkAccess(forge: Forge, http: HttpClient, c: PullRequestConfig, stage: string): Promise<void> {
  const req = forge.project();
  const res = await http(req);
  if (res.status === 404) {
    throw new InputError(
      "project",
      `${c.project} was not found at ${c.apiUrl} (${req.endpoint} answered 404)`,
      `check --project and --api-url; the API also answers 404 when the token may not see a private project`,
    );
  }
  if (res.status < 200 || res.status > 299) await call(async () => res, stage, forge.provider, req);
  if (forge.canPush(res.body) === false) {
    throw new InputError(
      "token",
      `may read ${c.project} but not push to it, so it cannot open a ${forge.noun}`,
      forge.provider === "github" ? "pass a token with contents: write and pull requests: write" : "pass a token of a user with at least Developer access",
    );
  }
}

/** Open, update or leave the request for `want`; `pushed` says whether the branch moved this run. */
export async function openOrUpdate(
  forge: Forge,
  http: HttpClient,
  stage: string,
  want: Proposal,
  pushed: boolean,
): Promise<Omit<PullRequestOutcome, "provider" | "branch">> {
  const find = async () => {
    const list = await call(http, stage, forge.provider, forge.find(want.head));
    if (!Array.isArray(list)) throw new StageError(stage, `${forge.find(want.head).endpoint} answered ${JSON.stringify(list)?.slice(0, 120)}, not a list`);
    return decide(
      list.map((x) => forge.parse(x)),
      want,
    );
  };
  let d = await find();
  if (d.action === "create") {
    const req = forge.create(want);
    const res = await http(req);
    if (res.status >= 200 && res.status <= 299) {
      const pr = forge.parse(res.body);
      return { url: pr.url, number: pr.number, action: "created" };
    }
    // A concurrent run opened it between our find and create: update that one instead.
    if (res.status !== forge.conflictStatus || (d = await find()).action === "create") await call(async () => res, stage, forge.provider, req);
  }
  if (d.action === "create") throw new StageError(stage, "unreachable: create decision after a conflict");
  if (d.action === "update") {
    const pr = forge.parse(await call(http, stage, forge.provider, forge.update(d.pr.number, want, d.pr)));
    return { url: pr.url || d.pr.url, number: d.pr.number, action: "updated" };
  }
  return { url: d.pr.url, number: d.pr.number, action: pushed ? "updated" : "unchanged" };
}

/** Commits the write-back made: committed as its author (name and email). */
const isOwn = (c: CommitInfo, author: { name: string; email: string }): boolean => c.committer.name === author.name && c.committer.email === author.email;

/** Run the pull-request write-back over `port`. Throws InputError / StageError; never pushes an invalid tree. */
export async function proposeWriteBack<Tree>(
  port: ProposalPort<Tree>,
  plan: WriteBackPlan,
  opts: WriteBackOptions<Tree>,
  target: ProposalTarget,
): Promise<ProposalResult> {
  const max = opts.maxAttempts ?? 6;
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw new InputError("attempts", `${max} is out of range`, "pass with-max-attempts --attempts from 1 to 50");
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const forge = forgeOf(target.config);
  await checkAccess(forge, target.http, target.config, plan.stage);
  let last = "";
  for (let attempt = 1; attempt <= max; attempt++) {
    const base = await port.sync();
    const p = await prepare(plan, port.read.bind(port), port.write.bind(port), () => port.tree(), opts.validate);
    const branch = proposalBranch(target.config, plan.environment, target.base);
    const paths = p.changed.map((f) => f.file);
    if (p.changed.length === 0) {
      opts.onAttempt?.(attempt, "no-op");
      return {
        status: "no-op",
        commit: base,
        attempts: attempt,
        diff: "",
        files: p.files,
        validation: p.validation,
        branch,
        summary: `${plan.stage}: no change: ${target.base} at ${base.slice(0, 12)} already has these values; nothing proposed`,
      };
    }
    const current = await port.branchHead(branch);
    const onBranch = current ? await port.commits(base, current) : [];
    const foreign = onBranch.filter((c) => !isOwn(c, opts.author));
    if (foreign.length) {
      const c = foreign[0]!;
      throw new InputError(
        branch,
        `has ${foreign.length} commit(s) the write-back did not make (${c.sha.slice(0, 12)} by ${c.committer.name} <${c.committer.email}>: ${c.subject}); nothing was pushed`,
        `merge or close its ${forge.noun} and delete the branch, or pass another --branch-prefix`,
      );
    }
    const message = gatedMessage(plan.message(p.changed), p.gate?.alsoChanged);
    const text = proposalText({ stage: plan.stage, environment: plan.environment, base: target.base, branch, message, diff: p.diff, validation: p.validation });
    if (opts.dryRun) {
      opts.onAttempt?.(attempt, "dry-run");
      return {
        status: "dry-run",
        commit: base,
        attempts: attempt,
        diff: p.diff,
        files: p.files,
        validation: p.validation,
        ...(p.gate ? { gate: p.gate } : {}),
        branch,
        summary: `${plan.stage}: dry run on ${base.slice(0, 12)}: would propose ${paths.join(", ")} on ${branch}; nothing pushed or posted`,
      };
    }
    const commit = await port.commit(paths, message, opts.author);
    const [ours] = await port.commits(base, commit);
    const mine = onBranch[0];
    // Idempotent: the branch is one commit of ours on this base with this very tree.
    const same = onBranch.length === 1 && mine!.parents.length === 1 && mine!.parents[0] === base && mine!.tree === ours?.tree;
    if (!same) {
      const push = await port.pushBranch(branch, current ?? "");
      opts.onAttempt?.(attempt, push.status);
      if (push.status === "failed") throw new StageError(plan.stage, `push of ${branch} failed (not a race; not retried): ${pushReason(push.detail)}`);
      if (push.status === "rejected") {
        last = pushReason(push.detail);
        if (attempt < max) await sleep(backoffMs(attempt, opts.baseDelayMs ?? 250, opts.maxDelayMs ?? 8000, opts.random ?? Math.random));
        continue;
      }
    } else opts.onAttempt?.(attempt, "unchanged");
    const head = same ? current! : commit;
    const pr = await openOrUpdate(forge, target.http, plan.stage, { head: branch, base: target.base, ...text }, !same).catch((e: unknown) => {
      // The branch is pushed but the request is not: say so; a re-run finishes without pushing again.
      const note = `; ${branch} holds the change (${head.slice(0, 12)}): run again to open or update the ${forge.noun}`;
      if (e instanceof InputError) throw new InputError(e.input, `${e.problem}${note}`, e.fix);
      if (e instanceof StageError) throw new StageError(plan.stage, `${e.summary}${note}`);
      throw e;
    });
    const pullRequest: PullRequestOutcome = { provider: forge.provider, branch, ...pr };
    return {
      status: "proposed",
      commit: head,
      attempts: attempt,
      diff: p.diff,
      files: p.files,
      validation: p.validation,
      ...(p.gate ? { gate: p.gate } : {}),
      branch,
      pullRequest,
      summary: `${plan.stage}: ${forge.noun} ${forge.provider === "github" ? "#" : "!"}${pr.number} ${pr.action}: ${pr.url} (${branch} → ${target.base}, ${paths.join(", ")})`,
    };
  }
  throw new StageError(
    plan.stage,
    `push of the proposal branch rejected ${max} times: others keep writing to it or to the base. Nothing was proposed; run it again or raise maxAttempts. Last: ${last}`,
  );
}
