// `/approve [hash-prefix]`: a maintainer who is not the requester, the author or a pusher approves the plan
// that was current when the comment was created. The approval is single-use (a ref per comment), a plan is
// dispatched once (a ref per plan hash), the apply runs on the default branch, and a Deployment records it.
import { renderChecklist } from "../../plan/checklist.ts";
import { matchesHashPrefix } from "../../plan/hash.ts";
import { httpStatus } from "../authz/http-status.ts";
import { atLeast, getAccess } from "../authz/permission.ts";
import { approverRefusal, who } from "../authz/rules.ts";
import { inlineCode } from "../markdown.ts";
import { APPROVAL_REF_PREFIX, DISPATCH_REF_PREFIX } from "../names.ts";
import { readPlanCheck } from "../plan-store.ts";
import { type CommandContext, refuse, shortSha, writeChecklist } from "./context.ts";
import { activeApply, recordDeployment } from "./deployments.ts";
import { dispatchRun } from "./dispatch.ts";
import { ourChecksOn } from "./head-checks.ts";
import { planRequest } from "./plan-request.ts";
import { policyOrReply } from "./replies.ts";

const ACTION = "approve";

export async function handleApprove(ctx: CommandContext, command: { hashPrefix?: string }): Promise<void> {
  const { octokit, repository } = ctx;
  const { owner, repo } = repository;
  const login = ctx.sender.login;
  if (!ctx.isPullRequest) {
    await ctx.reply("`/approve` works on pull requests, for the plan in their checklist.");
    return;
  }
  // The delivery is a snapshot; the comment as it is now decides. Edited since it was posted: void.
  const { data: current } = await octokit.rest.issues.getComment({ owner, repo, comment_id: ctx.comment.id });
  if (current.updated_at !== current.created_at || current.body !== ctx.comment.body) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:edited-approve-void",
        reason: "this `/approve` comment was edited, and an edited approval is void",
      },
      fix: "Post a new `/approve` comment.",
    });
    return;
  }
  const access = await getAccess({ octokit, owner, repo, login });
  if (!atLeast(access, "maintain")) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:approve-needs-maintain",
        reason: `approvers need maintain or admin; ${who(login)} has ${access}`,
      },
      fix: "Ask a maintainer who did not request, open or push to this pull request.",
    });
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: ctx.issueNumber });
  const headSha = pull.head.sha;
  if (pull.state !== "open") {
    await ctx.reply(`This pull request is ${pull.state}: there is nothing to approve.`);
    return;
  }
  if (pull.head.repo?.full_name?.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:fork-plan-only",
        reason:
          "this pull request comes from a fork, whose config and code are data: it is planned, never applied",
      },
      fix: `Merge it, then deploy from ${inlineCode(repository.defaultBranch)}.`,
    });
    return;
  }
  const policyResult = await policyOrReply(ctx);
  if (!policyResult) return;
  const stored = await readPlanCheck(ourChecksOn(ctx, headSha));
  const rebind =
    "Review the current plan, then comment `/approve` again (or `/devops deploy` for a fresh plan).";
  if (!stored || stored.stale) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:approve-binds-current-plan",
        reason: stored
          ? `the plan for head ${shortSha(headSha)} is stale (pushed to or cancelled)`
          : `there is no plan for the pull request's current head ${shortSha(headSha)} (a push makes a plan stale)`,
      },
      fix: "Comment `/devops deploy` for a fresh plan.",
    });
    return;
  }
  const { pinned, checkRunId } = stored;
  if (Date.parse(stored.updatedAt) > Date.parse(ctx.comment.createdAt)) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:approve-binds-current-plan",
        reason: `the plan changed after this comment was posted (plan ${inlineCode(pinned.hash.slice(0, 12))} written ${stored.updatedAt})`,
      },
      fix: rebind,
    });
    return;
  }
  if (command.hashPrefix !== undefined && !matchesHashPrefix(pinned.hash, command.hashPrefix)) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:approve-hash-prefix",
        reason: `${inlineCode(command.hashPrefix)} is not the current plan's hash ${inlineCode(pinned.hash.slice(0, 12))}`,
      },
      fix: rebind,
    });
    return;
  }
  const request = await planRequest({ octokit, repository, checkRunId, issueNumber: ctx.issueNumber });
  if (request?.mode !== "deploy") {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:approve-binds-current-plan",
        reason: request
          ? "this plan was made with `/devops plan`, which is read-only and asks nobody to approve"
          : "the request behind this plan cannot be verified (its `/devops deploy` comment was edited or deleted)",
      },
      fix: "Comment `/devops deploy` for a plan that asks for approval.",
    });
    return;
  }
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
    owner,
    repo,
    pull_number: ctx.issueNumber,
    per_page: 100,
  });
  const pushers = commits
    .flatMap((c) => [c.author?.login, c.committer?.login])
    .filter((l): l is string => !!l);
  const refusal = approverRefusal({
    login,
    access,
    repository: { ownerLogin: owner, ownerType: repository.ownerType },
    policy: policyResult.policy,
    requester: request.requester,
    prAuthor: pull.user?.login ?? "",
    pushers,
    defaultBranch: repository.defaultBranch,
  });
  if (refusal) {
    await refuse(ctx, {
      action: ACTION,
      refusal,
      fix: "Ask a maintainer who did not request, open or push to this pull request.",
    });
    return;
  }
  const environment = pinned.plan.environment;
  const busy = await activeApply({ octokit, repository, environment });
  if (busy && busy.planHash !== pinned.hash) {
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:one-apply-per-target",
        reason:
          `an apply to ${inlineCode(environment)} is ${busy.state} (deployment ${busy.deploymentId}` +
          `${busy.planHash ? `, plan ${inlineCode(busy.planHash.slice(0, 12))}` : ""}); one apply at a time per environment`,
      },
      fix: "Wait for it to finish, then comment `/approve` again.",
    });
    return;
  }

  // Single use: the ref exists once per approval comment, whichever App instance gets here first.
  if (!(await createRefOnce(ctx, `${APPROVAL_REF_PREFIX}${ctx.comment.id}`, headSha))) {
    await refuse(ctx, {
      action: ACTION,
      refusal: { id: "authz:approval-single-use", reason: "this approval was already used" },
      fix: "Each `/approve` comment approves once; post a new one.",
    });
    return;
  }
  // Once per plan: of two racing approvals, exactly one creates this ref and dispatches. The other approval
  // was not used, so its ref goes again (it stays void for any later plan, which is newer than the comment).
  const approvalRef = `${APPROVAL_REF_PREFIX}${ctx.comment.id}`;
  const dispatchRef = `${DISPATCH_REF_PREFIX}${pinned.hash}`;
  if (!(await createRefOnce(ctx, dispatchRef, headSha))) {
    await deleteRef(ctx, approvalRef);
    await ctx.reply(
      `Plan ${inlineCode(pinned.hash.slice(0, 12))} is already approved and its apply was dispatched; ` +
        `the approval by ${who(login)} was not needed and dispatched nothing.`,
    );
    return;
  }
  let run: { runId?: number; runUrl?: string };
  try {
    run = await dispatchRun({
      octokit,
      repository,
      inputs: {
        command: "apply",
        pr: String(ctx.issueNumber),
        "head-sha": headSha,
        "plan-hash": pinned.hash,
        "approval-comment-id": String(ctx.comment.id),
        environment,
      },
    });
  } catch (error) {
    // Nothing ran: give the approval and the plan back, so a fixed setup can be approved again.
    ctx.log.warn(`apply dispatch failed: ${(error as Error).message}`);
    await deleteRef(ctx, dispatchRef);
    await deleteRef(ctx, approvalRef);
    await refuse(ctx, {
      action: ACTION,
      refusal: {
        id: "authz:dispatch-default-branch-only",
        reason:
          `the apply runs only from the devops-agent workflow on ${inlineCode(repository.defaultBranch)}, ` +
          "and it could not be dispatched there (is the workflow merged?)",
      },
      fix: `Merge the onboarding pull request's workflow into ${inlineCode(repository.defaultBranch)}, then approve again.`,
    });
    return;
  }
  const body = renderChecklist({
    pinned,
    state: {
      status: "approved",
      requestedBy: request.requester,
      approvals: [{ login, at: ctx.comment.createdAt, ...(run.runUrl ? { runUrl: run.runUrl } : {}) }],
    },
  });
  await writeChecklist(ctx, body);
  await recordDeployment({
    octokit,
    repository,
    headSha,
    environment,
    planHash: pinned.hash,
    pr: ctx.issueNumber,
    run,
    approval: { login, commentId: ctx.comment.id },
  });
  ctx.log.info(`approved ${pinned.hash} by ${login}; apply dispatched`);
}

/** Creates a ref that must not exist yet: false when it does (GitHub answers 422). */
async function createRefOnce(ctx: CommandContext, ref: string, sha: string): Promise<boolean> {
  const { owner, repo } = ctx.repository;
  try {
    await ctx.octokit.rest.git.createRef({ owner, repo, ref, sha });
    return true;
  } catch (error) {
    if (httpStatus(error) === 422) return false;
    throw error;
  }
}

async function deleteRef(ctx: CommandContext, ref: string): Promise<void> {
  const { owner, repo } = ctx.repository;
  try {
    await ctx.octokit.rest.git.deleteRef({ owner, repo, ref: ref.replace(/^refs\//, "") });
  } catch (error) {
    if (httpStatus(error) !== 422 && httpStatus(error) !== 404) throw error;
  }
}
