// `/devops status`: the current plan of the pull request as GitHub records it: the hash and state from the
// App's check run, whether it was dispatched (the plan's dispatch ref), and its deployments' statuses.

import { httpStatus } from "../authz/http-status.ts";
import { who } from "../authz/rules.ts";
import { inlineCode } from "../markdown.ts";
import { DISPATCH_REF_PREFIX } from "../names.ts";
import { readPlanCheck } from "../plan-store.ts";
import { type CommandContext, shortSha } from "./context.ts";
import { deploymentsOfPlan } from "./deployments.ts";
import { ourChecksOn } from "./head-checks.ts";
import { planRequest } from "./plan-request.ts";

export async function handleStatus(ctx: CommandContext): Promise<void> {
  const { octokit, repository } = ctx;
  const { owner, repo } = repository;
  if (!ctx.isPullRequest) {
    await ctx.reply("`/devops status` works on pull requests.");
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: ctx.issueNumber });
  const headSha = pull.head.sha;
  const stored = await readPlanCheck(ourChecksOn(ctx, headSha));
  if (!stored) {
    await ctx.reply(
      `**devops-agent status:** no plan for the current head ${shortSha(headSha)}. Comment \`/devops deploy\` to plan it.`,
    );
    return;
  }
  const { pinned } = stored;
  const dispatched = await refExists(ctx, `${DISPATCH_REF_PREFIX}${pinned.hash}`);
  const request = await planRequest({
    octokit,
    repository,
    checkRunId: stored.checkRunId,
    issueNumber: ctx.issueNumber,
  });
  const deployments = await deploymentsOfPlan({
    octokit,
    repository,
    environment: pinned.plan.environment,
    planHash: pinned.hash,
  });
  const state = stored.stale
    ? "stale (pushed to or cancelled): approvals void"
    : dispatched
      ? "approved, apply dispatched"
      : request?.mode === "plan"
        ? "planned (read-only)"
        : "planned, waiting for approval";
  const lines = [
    "**devops-agent status**",
    "",
    `- Plan: ${inlineCode(pinned.hash)} for ${inlineCode(pinned.plan.environment)} at head ${shortSha(headSha)}`,
    `- State: ${state}`,
    `- Requested by: ${request ? who(request.requester) : "unknown (the request comment was edited or deleted)"}`,
  ];
  const approvers = deployments.map((d) => d.approvedBy).filter((l): l is string => !!l);
  lines.push(`- Approvals: ${approvers.length > 0 ? [...new Set(approvers)].map(who).join(", ") : "none"}`);
  if (deployments.length === 0) lines.push("- Deployment: none yet");
  for (const d of deployments) lines.push(`- Deployment ${d.id}: ${inlineCode(d.state)}`);
  await ctx.reply(lines.join("\n"));
}

async function refExists(ctx: CommandContext, ref: string): Promise<boolean> {
  const { owner, repo } = ctx.repository;
  try {
    await ctx.octokit.rest.git.getRef({ owner, repo, ref: ref.replace(/^refs\//, "") });
    return true;
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
