// POST progress: the approved apply run ticks the checklist (steps and overall status) and, when it ends,
// completes the plan's check run success or failure. The run's detail text is untrusted (it comes from a
// runner and may quote provider errors or logs): it is fenced, never pasted as Markdown.
import type { ProgressRequest } from "../../bridge/protocol.ts";
import { renderChecklist } from "../../plan/checklist.ts";
import type { AppIdentity, HandlerLog } from "../handlers/context.ts";
import { planRequest } from "../handlers/plan-request.ts";
import { fence } from "../markdown.ts";
import { readPlanCheck, upsertChecklistComment } from "../plan-store.ts";
import { approvedRun } from "./approved-run.ts";
import { type BridgeCaller, BridgeRefusal } from "./verify.ts";

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
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: stored.checkRunId,
      status: "completed",
      conclusion: body.status === "done" ? "success" : "failure",
      output: {
        title: `${body.status === "done" ? "Applied" : "Apply failed"}: plan ${short}`,
        summary: `The approved run ${runUrl} ${body.status === "done" ? "applied this plan" : "failed"}; see the pull request's checklist.`,
        ...(check.output.text ? { text: check.output.text } : {}),
      },
    });
  }
  log.info(
    `progress of plan ${short} on ${owner}/${repo}#${body.pr} from run ${caller.runId}: ${body.status}`,
  );
  return { planHash: body.planHash, status: body.status };
}
