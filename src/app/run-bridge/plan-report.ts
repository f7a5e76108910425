// POST plan-report: the read-only plan run's live diff becomes the plan. Each non-verify step gets `expected`
// (the live state it read, null when absent), the filled plan is pinned under its new hash in a NEW check run,
// the old one is completed as superseded, and the checklist shows the diff with the new approve prefix. An
// approved plan is never refilled: its apply judges live state itself.
import type { PlanReportRequest } from "../../bridge/protocol.ts";
import { renderChecklist } from "../../plan/checklist.ts";
import { pin } from "../../plan/hash.ts";
import type { Plan } from "../../plan/types.ts";
import { recordedState } from "../../providers/judge.ts";
import type { LiveState } from "../../providers/types.ts";
import { httpStatus } from "../authz/http-status.ts";
import type { AppIdentity, HandlerLog } from "../handlers/context.ts";
import { PLAN_ONLY_NOTE } from "../handlers/plan.ts";
import { planRequest } from "../handlers/plan-request.ts";
import { neutralize } from "../markdown.ts";
import { DISPATCH_REF_PREFIX } from "../names.ts";
import { markPlanStale, readPlanCheck, upsertChecklistComment, writePlanCheck } from "../plan-store.ts";
import { liveDiffSection } from "./live-diff.ts";
import { type BridgeCaller, BridgeRefusal } from "./verify.ts";

export const SUPERSEDED_REASON = "superseded by the live diff of the plan run";

export async function handlePlanReport(options: {
  caller: BridgeCaller;
  app: AppIdentity;
  body: PlanReportRequest;
  log: HandlerLog;
}): Promise<{ planHash: string }> {
  const { caller, app, body, log } = options;
  const { octokit } = caller;
  const { owner, repo } = caller.repository;
  const stored = await readPlanCheck({
    octokit,
    owner,
    repo,
    headSha: body.headSha,
    appId: app.id,
    log,
  }).catch((error: unknown) => {
    // A commit that is not in this repository (another repository's run reporting on this PR's head).
    if (httpStatus(error) === 404 || httpStatus(error) === 422) return undefined;
    throw error;
  });
  const short = body.planHash.slice(0, 12);
  if (!stored) throw new BridgeRefusal(409, `there is no plan for ${body.headSha.slice(0, 7)}`);
  if (stored.pinned.hash !== body.planHash) {
    throw new BridgeRefusal(
      409,
      `plan ${short} is not the current plan of ${body.headSha.slice(0, 7)} (${stored.pinned.hash.slice(0, 12)} is)`,
    );
  }
  if (stored.stale) throw new BridgeRefusal(409, `plan ${short} is stale (pushed to or cancelled)`);
  const plan = stored.pinned.plan;
  if (plan.pullNumber !== body.pr) {
    throw new BridgeRefusal(
      409,
      `plan ${short} belongs to pull request #${plan.pullNumber}, not #${body.pr}`,
    );
  }
  if (await refExists(caller, `${DISPATCH_REF_PREFIX}${body.planHash}`)) {
    throw new BridgeRefusal(409, `plan ${short} is already approved: its apply reads the live state itself`);
  }
  const filled = fillExpected(plan, body.live);
  const pinned = pin(filled);

  const { data: old } = await octokit.rest.checks.get({ owner, repo, check_run_id: stored.checkRunId });
  // The request comment stays the plan's details link: it is how approve finds who asked and in which mode.
  const written = await writePlanCheck({
    octokit,
    owner,
    repo,
    pinned,
    ...(old.details_url ? { detailsUrl: old.details_url } : {}),
  });
  await markPlanStale({ octokit, owner, repo, checkRunId: stored.checkRunId, reason: SUPERSEDED_REASON });

  const request = await planRequest({
    octokit,
    repository: caller.repository,
    checkRunId: written.checkRunId,
    issueNumber: body.pr,
  });
  let checklist = renderChecklist({
    pinned,
    state: { status: "planned", requestedBy: request?.requester ?? "unknown", approvals: [] },
  });
  const planOnly = request?.mode !== "deploy";
  // As in handlers/plan.ts: a read-only plan (or one whose request cannot be verified) invites no approval.
  if (planOnly) {
    checklist = checklist
      .split("\n")
      .filter((line) => !line.startsWith("To approve, "))
      .join("\n");
  }
  const lines = [checklist, ...liveDiffSection(filled.steps, body.live)];
  // The plan run's warnings are its own text (provider facts it read): untrusted here, so neutralized.
  for (const warning of body.warnings ?? []) lines.push(`> ⚠️ ${neutralize(warning)}`, "");
  if (request?.mode === "plan") lines.push(PLAN_ONLY_NOTE, "");
  await upsertChecklistComment({
    octokit,
    owner,
    repo,
    issueNumber: body.pr,
    body: lines.join("\n"),
    appSlug: app.slug,
  });
  log.info(
    `plan ${short} of ${owner}/${repo}#${body.pr} filled with the live diff of run ${caller.runId}: ` +
      `now ${pinned.hash} (check run ${written.checkRunId})`,
  );
  return { planHash: pinned.hash };
}

/**
 * Every non-verify step's live state (GitHub's may be absent), and only those: a missing or foreign step id is
 * refused by name.
 */
export function fillExpected(plan: Plan, live: Record<string, LiveState>): Plan {
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  for (const id of Object.keys(live)) {
    const step = steps.get(id);
    if (!step) throw new BridgeRefusal(400, `live.${id}: not a step of the plan`);
    if (step.provider === "verify") {
      throw new BridgeRefusal(400, `live.${id}: a verify step has no live state to report`);
    }
  }
  // The plan run's job token cannot list an Environment's secrets (only the approved run gets a token that
  // can), so a GitHub step may come without live state: its `expected` stays unset and apply judges it.
  const missing = plan.steps.filter(
    (s) => s.provider !== "verify" && s.provider !== "github" && !Object.hasOwn(live, s.id),
  );
  if (missing.length > 0) {
    throw new BridgeRefusal(400, `live: no live state for ${missing.map((s) => s.id).join(", ")}`);
  }
  return {
    ...plan,
    steps: plan.steps.map((step) => {
      const state = live[step.id];
      if (step.provider === "verify" || !state) return step;
      return { ...step, expected: recordedState(state) };
    }),
  };
}

async function refExists(caller: BridgeCaller, ref: string): Promise<boolean> {
  const { owner, repo } = caller.repository;
  try {
    await caller.octokit.rest.git.getRef({ owner, repo, ref: ref.replace(/^refs\//, "") });
    return true;
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
