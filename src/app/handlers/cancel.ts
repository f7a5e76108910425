// `/cancel`: the requester or a maintainer stops a pending plan. The plan's check run is completed as stale,
// so no `/approve` can bind to it; refs already created stay (an apply already dispatched is the Action's).
import { renderChecklist } from "../../plan/checklist.ts";
import { getAccess } from "../authz/permission.ts";
import { cancelRefusal } from "../authz/rules.ts";
import { markPlanStale, readPlanCheck } from "../plan-store.ts";
import { type CommandContext, refuse, shortSha, writeChecklist } from "./context.ts";
import { ourChecksOn } from "./head-checks.ts";
import { planRequest } from "./plan-request.ts";

export async function handleCancel(ctx: CommandContext): Promise<void> {
  const { octokit, repository } = ctx;
  const { owner, repo } = repository;
  if (!ctx.isPullRequest) {
    await ctx.reply("`/cancel` works on pull requests, for the plan in their checklist.");
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: ctx.issueNumber });
  const stored = await readPlanCheck(ourChecksOn(ctx, pull.head.sha));
  if (!stored || stored.stale) {
    await ctx.reply(`There is no pending plan for head ${shortSha(pull.head.sha)}: nothing to cancel.`);
    return;
  }
  const request = await planRequest({
    octokit,
    repository,
    checkRunId: stored.checkRunId,
    issueNumber: ctx.issueNumber,
  });
  // Without a verifiable request, only a maintainer may cancel.
  const requester = request?.requester ?? "";
  const access = await getAccess({ octokit, owner, repo, login: ctx.sender.login });
  const refusal = cancelRefusal({ login: ctx.sender.login, access, requester });
  if (refusal) {
    await refuse(ctx, { action: "cancel", refusal, fix: "Ask the requester or a maintainer." });
    return;
  }
  await markPlanStale({
    octokit,
    owner,
    repo,
    checkRunId: stored.checkRunId,
    reason: "cancelled with /cancel",
  });
  const body = renderChecklist({
    pinned: stored.pinned,
    state: { status: "cancelled", requestedBy: requester || ctx.sender.login, approvals: [] },
  });
  await writeChecklist(ctx, body);
}
