// POST progress: the approved apply run ticks the checklist (steps and overall status) and, when it ends,
// completes the plan's check run success or failure. The run's detail text is untrusted (it comes from a
// runner and may quote provider errors or logs): it is fenced, never pasted as Markdown.
import type { ProgressRequest, UndoRecordBody } from "../../bridge/protocol.ts";
import { renderChecklist } from "../../plan/checklist.ts";
import type { PinnedPlan } from "../../plan/types.ts";
import type { AppIdentity, HandlerLog } from "../handlers/context.ts";
import { planRequest } from "../handlers/plan-request.ts";
import { fence } from "../markdown.ts";
import { planText, readPlanCheck, type StoreLogger, upsertChecklistComment } from "../plan-store.ts";
import { approvedRun } from "./approved-run.ts";
import { checkUndo, mergeUndo } from "./undo.ts";
import { type BridgeCaller, BridgeRefusal } from "./verify.ts";

/** What the thread offers once a run that changed something has ended (issue 4 "In the thread"). */
export const ROLLBACK_OFFER =
  "↩️ What this run changed can be taken back: comment `/devops rollback` to plan its recorded undo steps " +
  "(newest first), approved like a deploy.";

const ROLLBACK_OFFER_SUMMARY = (n: number) =>
  ` It recorded ${n} undo step${n === 1 ? "" : "s"} (below the plan): \`/devops rollback\` plans them.`;

export async function handleProgress(options: {
  caller: BridgeCaller;
  app: AppIdentity;
  body: ProgressRequest;
  log: HandlerLog;
}): Promise<{ planHash: string; status: ProgressRequest["status"] }> {
  const { caller, app, body, log } = options;
  const { octokit } = caller;
  const { owner, repo } = caller.repository;
  const approved = await approvedRun({ caller, planHash: body.planHash, pr: body.pr });
  const short = body.planHash.slice(0, 12);
  const stored = await readPlanCheck({ octokit, owner, repo, headSha: approved.headSha, appId: app.id, log });
  if (!stored || stored.pinned.hash !== body.planHash) {
    throw new BridgeRefusal(409, `plan ${short} is no longer the plan of ${approved.headSha.slice(0, 7)}`);
  }
  const ids = new Set(stored.pinned.plan.steps.map((s) => s.id));
  const foreign = Object.keys(body.steps).find((id) => !ids.has(id));
  if (foreign !== undefined) throw new BridgeRefusal(400, `steps.${foreign}: not a step of the plan`);
  checkUndo(stored.pinned.plan, body.undo ?? []);
  // Stored with the plan when the run ends (GitHub is the database): `/devops rollback` reads them back.
  const undo = mergeUndo(body.undo ?? [], stored.undo);

  const request = await planRequest({
    octokit,
    repository: caller.repository,
    checkRunId: stored.checkRunId,
    issueNumber: body.pr,
  });
  const runUrl = `${caller.repositoryUrl}/actions/runs/${caller.runId}`;
  let checklist = renderChecklist({
    pinned: stored.pinned,
    state: {
      status: body.status,
      requestedBy: request?.requester ?? "unknown",
      approvals: approved.approvedBy
        ? [{ login: approved.approvedBy, at: approved.approvedAt, runUrl: runUrl }]
        : [],
      steps: body.steps,
    },
  });
  if (body.detail) {
    checklist += [
      "",
      "<details><summary>Details from the apply run</summary>",
      "",
      fence(body.detail),
      "",
      "</details>",
      "",
    ].join("\n");
  }
  if (body.status !== "applying" && undo.length > 0) checklist += `\n${ROLLBACK_OFFER}\n`;
  await upsertChecklistComment({
    octokit,
    owner,
    repo,
    issueNumber: body.pr,
    body: checklist,
    appSlug: app.slug,
  });
  if (body.status !== "applying") {
    const { data: check } = await octokit.rest.checks.get({ owner, repo, check_run_id: stored.checkRunId });
    const kept = keptText({ pinned: stored.pinned, undo, fallback: check.output.text, log });
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: stored.checkRunId,
      status: "completed",
      conclusion: body.status === "done" ? "success" : "failure",
      output: {
        title: `${body.status === "done" ? "Applied" : "Apply failed"}: plan ${short}`,
        summary:
          `The approved run ${runUrl} ${body.status === "done" ? "applied this plan" : "failed"}; see the pull request's checklist.` +
          (kept.undoKept ? ROLLBACK_OFFER_SUMMARY(undo.length) : kept.note),
        ...(kept.text ? { text: kept.text } : {}),
      },
    });
  }
  log.info(
    `progress of plan ${short} on ${owner}/${repo}#${body.pr} from run ${caller.runId}: ${body.status}`,
  );
  return { planHash: body.planHash, status: body.status };
}

/**
 * The completed check run's text: the plan and the undo records. Records too large to keep beside the plan are
 * dropped, saying so, rather than failing the run's last call: the plan stays on record either way.
 */
function keptText(options: {
  pinned: PinnedPlan;
  undo: UndoRecordBody[];
  fallback: string | null | undefined;
  log: StoreLogger;
}): { text: string | undefined; undoKept: boolean; note: string } {
  const { pinned, undo, fallback, log } = options;
  if (undo.length === 0) return { text: fallback ?? undefined, undoKept: false, note: "" };
  try {
    return { text: planText(pinned, undo), undoKept: true, note: "" };
  } catch (error) {
    log.warn(`undo records of plan ${pinned.hash.slice(0, 12)} not kept: ${(error as Error).message}`);
    return {
      text: fallback ?? undefined,
      undoKept: false,
      note: " Its undo records were too large to keep with the plan: a rollback must be planned by hand.",
    };
  }
}
