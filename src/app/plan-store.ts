// Where the plan lives: a check run on the head commit that only our App can write (GitHub lets only the App
// that created a check run modify it), holding the PinnedPlan as JSON. This, not the checklist comment, is
// what `/approve` and the Action's re-verification trust. The App keeps no local state (DESIGN: GitHub is the
// database); any instance can read the plan back and check its hash.
import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { describeIssue, type UndoRecordBody, undoRecordSchema } from "../bridge/protocol.ts";
import { planHash } from "../plan/hash.ts";
import type { PinnedPlan, Plan } from "../plan/types.ts";
import { fence, inlineCode, neutralize } from "./markdown.ts";
import { CHECKLIST_MARKER, PLAN_CHECK_NAME } from "./names.ts";

/** What we need of an Octokit: satisfied by Probot's `context.octokit` and by `@octokit/rest`. */
export type GithubApi = Pick<Octokit, "rest" | "paginate">;

export interface StoreLogger {
  warn(message: string): void;
}

/** GitHub refuses a check run whose output.text is longer than this. */
export const CHECK_TEXT_LIMIT = 65_535;

/**
 * A stale plan is completed `neutral`. Apps may set action_required, cancelled, failure, neutral, success,
 * skipped or timed_out (`stale` is GitHub's own). `neutral` says "nothing wrong, nothing to apply": it does
 * not fail a branch-protection rule that requires this check (cancelled and failure would block merging for
 * a mere push), and it keeps `cancelled` for a plan someone cancelled with `/cancel`.
 */
export const STALE_CONCLUSION = "neutral";

const consoleLogger: StoreLogger = { warn: (message) => console.warn(message) };

export async function writePlanCheck(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  pinned: PinnedPlan;
  detailsUrl?: string;
}): Promise<{ checkRunId: number; updatedAt: string }> {
  const { octokit, owner, repo, pinned } = options;
  if (planHash(pinned.plan) !== pinned.hash)
    throw new Error("writePlanCheck: the hash does not match the plan");
  const text = planText(pinned);
  // A live plan is in progress until it is applied, cancelled or made stale; completing it is the App's call.
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: PLAN_CHECK_NAME,
    head_sha: pinned.plan.headSha,
    status: "in_progress",
    external_id: pinned.hash,
    ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
    output: { title: `Plan ${pinned.hash.slice(0, 12)}`, summary: planSummary(pinned), text },
  });
  return { checkRunId: data.id, updatedAt: data.started_at ?? data.completed_at ?? "" };
}

/**
 * The current plan for a head commit: the newest `PLAN_CHECK_NAME` check run **written by our App** (a check
 * run with the same name by another App, or by a workflow's GITHUB_TOKEN, is ignored), its JSON parsed and
 * its hash recomputed. A mismatch or anything unreadable is refused: undefined, with the reason logged.
 * `updatedAt` is when the plan was written (its `started_at`); `stale` when it was completed as stale; `undo`
 * the records its apply run sent when it ended (empty until then).
 */
export async function readPlanCheck(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  headSha: string;
  /** Our App, by id (the App knows it) or by slug (the Action knows that; slugs are unique on GitHub). */
  appId?: number;
  appSlug?: string;
  log?: StoreLogger;
}): Promise<
  | { pinned: PinnedPlan; checkRunId: number; updatedAt: string; stale: boolean; undo: UndoRecordBody[] }
  | undefined
> {
  const { octokit, owner, repo, headSha, appId, appSlug } = options;
  if (appId === undefined && appSlug === undefined)
    throw new Error("readPlanCheck: name the App by id or slug");
  const isOurs = (app: { id?: number; slug?: string } | null | undefined) =>
    !!app && (appId === undefined || app.id === appId) && (appSlug === undefined || app.slug === appSlug);
  const log = options.log ?? consoleLogger;
  const runs = await planCheckRuns({ octokit, owner, repo, headSha, filter: "latest" });
  const ours = runs.filter((run) => isOurs(run.app)).sort((a, b) => b.id - a.id)[0];
  if (!ours) return undefined;
  const stored = storedPlan({ run: ours, headSha, where: `${owner}/${repo}@${headSha}`, log });
  if (!stored) return undefined;
  return {
    pinned: stored.pinned,
    checkRunId: ours.id,
    updatedAt: ours.started_at ?? "",
    stale: ours.status === "completed" && ours.conclusion === STALE_CONCLUSION,
    undo: stored.undo,
  };
}

/** What a rollback takes back: an applied plan of ours and the undo records its apply run sent, newest first. */
export interface RecordedUndo {
  pinned: PinnedPlan;
  checkRunId: number;
  undo: UndoRecordBody[];
}

/**
 * The newest applied plan (completed success or failure by its apply run) on this head whose run recorded undo
 * records. An applied rollback ends the search: what came before it was already taken back. A failed rollback
 * does not, so `/devops rollback` can try again. Check runs of other Apps are ignored, as in readPlanCheck.
 */
export async function readUndo(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  headSha: string;
  appId: number;
  log?: StoreLogger;
}): Promise<RecordedUndo | undefined> {
  const { octokit, owner, repo, headSha, appId } = options;
  const log = options.log ?? consoleLogger;
  const runs = await planCheckRuns({ octokit, owner, repo, headSha, status: "completed", filter: "all" });
  const applied = runs
    .filter(
      (run) =>
        run.app?.id === appId &&
        run.status === "completed" &&
        (run.conclusion === "success" || run.conclusion === "failure"),
    )
    .sort((a, b) => b.id - a.id);
  for (const run of applied) {
    const where = `${owner}/${repo}@${headSha}`;
    const stored = storedPlan({ run, headSha, where, log });
    if (!stored) continue;
    if (stored.pinned.plan.rollbackOf !== undefined && run.conclusion === "success") return undefined;
    if (stored.undo.length > 0) return { pinned: stored.pinned, checkRunId: run.id, undo: stored.undo };
  }
  return undefined;
}

/**
 * The check runs named PLAN_CHECK_NAME on exactly this head commit, every page, of any App: the caller keeps
 * its own (readPlanCheck and readUndo differ only in which of those they trust and in the listing's filter).
 */
async function planCheckRuns(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  headSha: string;
  status?: "completed";
  filter: "latest" | "all";
}) {
  const { octokit, owner, repo, headSha, ...only } = options;
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner,
    repo,
    ref: headSha,
    check_name: PLAN_CHECK_NAME,
    ...only,
    per_page: 100,
  });
  return runs.filter((run) => run.name === PLAN_CHECK_NAME && run.head_sha === headSha);
}

/** Completes the plan's check run as stale (see STALE_CONCLUSION); its plan stays readable, marked stale. */
export async function markPlanStale(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  checkRunId: number;
  reason: string;
}): Promise<void> {
  const { octokit, owner, repo, checkRunId, reason } = options;
  // Re-send the text: the plan stays on record for audit and `/devops status`.
  const { data } = await octokit.rest.checks.get({ owner, repo, check_run_id: checkRunId });
  const title = `Stale: ${reason}`.replace(/\s+/g, " ").slice(0, 200);
  await octokit.rest.checks.update({
    owner,
    repo,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: STALE_CONCLUSION,
    output: {
      title,
      summary:
        `This plan is stale: ${neutralize(reason)}. Its approvals are void; ` +
        "comment `/devops deploy` on the pull request for a fresh plan.",
      ...(data.output.text ? { text: data.output.text } : {}),
    },
  });
}

/**
 * Updates the App's own sticky checklist comment in place, or creates it. Only a comment written by the App
 * (author `<appSlug>[bot]`, a Bot) whose body starts with CHECKLIST_MARKER counts: anyone can paste the
 * marker into a comment of their own, and that comment is never edited nor read as ours.
 */
export async function upsertChecklistComment(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  appSlug: string;
}): Promise<{ commentId: number; created: boolean }> {
  const { octokit, owner, repo, issueNumber, body, appSlug } = options;
  if (!body.startsWith(CHECKLIST_MARKER))
    throw new Error("upsertChecklistComment: the body must start with the marker");
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const botLogin = `${appSlug}[bot]`;
  const mine = comments.find(
    (c) =>
      c.user?.login === botLogin &&
      c.user.type === "Bot" &&
      (c.performed_via_github_app == null || c.performed_via_github_app.slug === appSlug) &&
      (c.body ?? "").startsWith(CHECKLIST_MARKER),
  );
  if (mine) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { commentId: mine.id, created: false };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { commentId: data.id, created: true };
}

/**
 * The check run's text: the pinned plan as JSON in a fence (pretty when it fits, compact when only that fits),
 * then, once its apply run ended, the undo records it sent in a second fence whose info string is `undo`.
 */
export function planText(pinned: PinnedPlan, undo?: readonly UndoRecordBody[]): string {
  const withUndo = undo !== undefined && undo.length > 0;
  for (const indent of [2, undefined]) {
    let text = fence(JSON.stringify(pinned, null, indent), "json");
    if (withUndo) text += `\n\n${fence(JSON.stringify(undo, null, indent), UNDO_INFO)}`;
    if (text.length <= CHECK_TEXT_LIMIT) return text;
  }
  throw new Error(
    `the plan${withUndo ? " and its undo records are" : " is"} too large for a check run: ` +
      `${JSON.stringify(pinned).length + (withUndo ? JSON.stringify(undo).length : 0)} characters of JSON, ` +
      `GitHub keeps at most ${CHECK_TEXT_LIMIT} in output.text; split the config into smaller environments`,
  );
}

const UNDO_INFO = "undo";

/**
 * The two fenced blocks of planText. Each fence is longer than any run of its character inside (markdown.ts
 * `fence`), and JSON escapes newlines in strings, so the first block's closing line cannot occur inside it.
 */
export function parsePlanText(text: string): { json: string; undoJson?: string } | undefined {
  const match = /^(`{3,}|~{3,})json\n([\s\S]*?)\n\1(?:\n\n(`{3,}|~{3,})undo\n([\s\S]*)\n\3)?$/.exec(text);
  if (!match?.[2]) return undefined;
  return { json: match[2], ...(match[4] !== undefined ? { undoJson: match[4] } : {}) };
}

/** A check run's plan, verified (shape, hash, external_id, head), with its undo records; undefined when refused. */
function storedPlan(options: {
  run: { id: number; external_id: string | null; output: { text: string | null } };
  headSha: string;
  where: string;
  log: StoreLogger;
}): { pinned: PinnedPlan; undo: UndoRecordBody[] } | undefined {
  const { run, headSha, where, log } = options;
  const refuse = (reason: string) => {
    log.warn(`plan check run ${run.id} on ${where} refused: ${reason}`);
    return undefined;
  };
  const blocks = parsePlanText(run.output.text ?? "");
  if (blocks === undefined) return refuse("its text is not one fenced JSON block (then its undo records)");
  let pinned: PinnedPlan;
  try {
    pinned = JSON.parse(blocks.json) as PinnedPlan;
  } catch (error) {
    return refuse(`its JSON does not parse (${(error as Error).message})`);
  }
  if (!isPinnedShape(pinned)) return refuse("its JSON is not a pinned plan");
  const recomputed = planHash(pinned.plan);
  if (recomputed !== pinned.hash) {
    return refuse(`the plan hashes to ${recomputed}, not the recorded ${pinned.hash}`);
  }
  if (run.external_id !== pinned.hash) return refuse(`external_id ${run.external_id} is not the plan's hash`);
  if (pinned.plan.headSha !== headSha) return refuse(`the plan is for ${pinned.plan.headSha}`);
  if (blocks.undoJson === undefined) return { pinned, undo: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(blocks.undoJson);
  } catch (error) {
    return refuse(`its undo records do not parse (${(error as Error).message})`);
  }
  const undo = z.array(undoRecordSchema).safeParse(raw);
  if (!undo.success) return refuse(`its undo records are invalid (${describeIssue(undo.error)})`);
  return { pinned, undo: undo.data };
}

function planSummary(pinned: PinnedPlan): string {
  const { plan, hash } = pinned;
  const risks = new Map<string, number>();
  for (const step of plan.steps) risks.set(step.risk, (risks.get(step.risk) ?? 0) + 1);
  const counts = [...risks].map(([risk, n]) => `${n} ${risk}`).join(", ");
  return [
    `${plan.rollbackOf !== undefined ? `Rollback plan (undoes plan ${inlineCode(plan.rollbackOf.slice(0, 12))})` : "Deploy plan"} for ${inlineCode(plan.environment)} of ${neutralize(plan.repository)} #${plan.pullNumber}: ` +
      `${plan.steps.length} steps (${counts}).`,
    "",
    `- Head commit: ${inlineCode(plan.headSha)}`,
    `- Image: ${inlineCode(`${plan.image.repository}@${plan.image.digest}`)}`,
    `- Config blob: ${inlineCode(plan.configSha)}`,
    `- Plan hash: ${inlineCode(hash)}`,
    "",
    `Approve with ${inlineCode(`/approve ${hash.slice(0, 12)}`)} on the pull request (a maintainer who is not ` +
      "the requester, the author or a pusher). The plan below is what gets applied; any push makes it stale.",
  ].join("\n");
}

function isPinnedShape(value: unknown): value is PinnedPlan {
  if (!value || typeof value !== "object") return false;
  const { plan, hash } = value as { plan?: Partial<Plan>; hash?: unknown };
  return (
    typeof hash === "string" &&
    !!plan &&
    typeof plan === "object" &&
    plan.version === 1 &&
    typeof plan.headSha === "string" &&
    Array.isArray(plan.steps) &&
    !!plan.image &&
    typeof plan.image.digest === "string"
  );
}
