// DESIGN rule 5, on the runner: before touching any provider, apply re-verifies everything from the GitHub API
// itself. Anyone with `actions: write` can dispatch the workflow by hand, so the inputs (PR, head SHA, plan
// hash, approval comment id) prove nothing alone: each is checked against what GitHub records — the approval
// comment, the approver's permission and separation of duties, the pull request's head, the plan in the App's
// own check run, the single-use approval ref and the Deployment that names this very run.
// Pure GitHub reads through an Octokit-shaped client; no Actions or Probot imports (the Action adapts it).

import { httpStatus } from "../app/authz/http-status.ts";
import { getAccess } from "../app/authz/permission.ts";
import { loadPolicy } from "../app/authz/policy.ts";
import { approverRefusal, isBot, type Refusal, who } from "../app/authz/rules.ts";
import { parseCommand } from "../app/commands/parse.ts";
import { planRequest } from "../app/handlers/plan-request.ts";
import { inlineCode } from "../app/markdown.ts";
import { APPROVAL_REF_PREFIX, DISPATCH_REF_PREFIX } from "../app/names.ts";
import { type GithubApi, readPlanCheck } from "../app/plan-store.ts";
import type { Policy } from "../config/schema.ts";
import { matchesHashPrefix } from "../plan/hash.ts";
import type { PinnedPlan } from "../plan/types.ts";

export interface GateInputs {
  owner: string;
  repo: string;
  pr: number;
  headSha: string;
  planHash: string;
  approvalCommentId: number;
  /** GITHUB_RUN_ID of this run. */
  runId: number;
  /** GITHUB_REF of this run: the dispatch must run on the default branch. */
  ref: string;
  /** Our App's slug: only its check runs hold plans. */
  appSlug: string;
}

export type GateResult =
  | {
      ok: true;
      pinned: PinnedPlan;
      policy: Policy;
      defaultBranch: string;
      approver: string;
      deploymentId: number;
      /** A private repository's thread may show logs; a public one only links them unless policy opts in. */
      repositoryPrivate: boolean;
    }
  | { ok: false; refusal: Refusal };

const SHA = /^[0-9a-f]{40}$/;
const HASH = /^[0-9a-f]{64}$/;

export async function verifyApproval(octokit: GithubApi, inputs: GateInputs): Promise<GateResult> {
  const { owner, repo, pr } = inputs;
  const refuse = (id: Refusal["id"], reason: string): GateResult => ({ ok: false, refusal: { id, reason } });
  if (!SHA.test(inputs.headSha))
    return refuse("apply:head-unchanged", `head-sha ${inlineCode(inputs.headSha)} is not a commit SHA`);
  if (!HASH.test(inputs.planHash)) {
    return refuse(
      "apply:plan-hash-matches-check",
      `plan-hash ${inlineCode(inputs.planHash)} is not a sha256`,
    );
  }

  const { data: repository } = await octokit.rest.repos.get({ owner, repo });
  const defaultBranch = repository.default_branch;
  if (inputs.ref !== `refs/heads/${defaultBranch}`) {
    return refuse(
      "authz:dispatch-default-branch-only",
      `this run is on ${inlineCode(inputs.ref)}; apply runs only from ${inlineCode(defaultBranch)}, where the Environment's secrets are limited to`,
    );
  }

  // The approval comment, as it is now.
  let comment: Awaited<ReturnType<GithubApi["rest"]["issues"]["getComment"]>>["data"];
  try {
    ({ data: comment } = await octokit.rest.issues.getComment({
      owner,
      repo,
      comment_id: inputs.approvalCommentId,
    }));
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
    return refuse(
      "apply:approval-comment-valid",
      `approval comment ${inputs.approvalCommentId} does not exist (deleted?)`,
    );
  }
  if (!comment.issue_url.endsWith(`/issues/${pr}`)) {
    return refuse(
      "apply:approval-comment-valid",
      `approval comment ${comment.id} is not on pull request #${pr}`,
    );
  }
  if (comment.updated_at !== comment.created_at) {
    return refuse(
      "apply:approval-comment-valid",
      `approval comment ${comment.id} was edited, and an edited approval is void`,
    );
  }
  const parsed = parseCommand(comment.body ?? "");
  if (parsed.kind !== "command" || parsed.command.name !== "approve") {
    return refuse("apply:approval-comment-valid", `comment ${comment.id} is not an \`/approve\``);
  }
  const approver = comment.user?.login ?? "";
  if (!approver)
    return refuse("apply:approval-comment-valid", `approval comment ${comment.id} has no author`);

  // The pull request, now.
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr });
  if (pull.state !== "open") return refuse("apply:head-unchanged", `pull request #${pr} is ${pull.state}`);
  if (pull.head.sha !== inputs.headSha) {
    return refuse(
      "apply:head-unchanged",
      `pull request #${pr} moved to ${inlineCode(pull.head.sha.slice(0, 7))} since the approval of ${inlineCode(inputs.headSha.slice(0, 7))}`,
    );
  }
  if (pull.head.repo?.full_name?.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) {
    return refuse(
      "authz:fork-plan-only",
      "this pull request comes from a fork: planned, never applied until merged",
    );
  }

  // The plan, from the App's own check run, its hash recomputed.
  const stored = await readPlanCheck({
    octokit,
    owner,
    repo,
    headSha: inputs.headSha,
    appSlug: inputs.appSlug,
    log: { warn: () => {} },
  });
  if (!stored) {
    return refuse(
      "apply:plan-hash-matches-check",
      `no readable plan of the App for ${inlineCode(inputs.headSha.slice(0, 7))}`,
    );
  }
  if (stored.stale)
    return refuse("apply:plan-hash-matches-check", "the plan is stale (pushed to or cancelled)");
  if (stored.pinned.hash !== inputs.planHash) {
    return refuse(
      "apply:plan-hash-matches-check",
      `the App's current plan is ${inlineCode(stored.pinned.hash.slice(0, 12))}, not the dispatched ${inlineCode(inputs.planHash.slice(0, 12))}`,
    );
  }
  if (Date.parse(stored.updatedAt) > Date.parse(comment.created_at)) {
    return refuse(
      "apply:plan-hash-matches-check",
      "the plan was written after the approval comment: it was not the plan approved",
    );
  }
  if (
    parsed.command.hashPrefix !== undefined &&
    !matchesHashPrefix(stored.pinned.hash, parsed.command.hashPrefix)
  ) {
    return refuse(
      "authz:approve-hash-prefix",
      `the approval names ${inlineCode(parsed.command.hashPrefix)}, not this plan`,
    );
  }
  const plan = stored.pinned.plan;
  if (plan.pullNumber !== pr || plan.repository.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) {
    return refuse("apply:plan-hash-matches-check", `the plan is for ${plan.repository}#${plan.pullNumber}`);
  }

  // Who approved, re-judged with the default branch's policy.
  const policyResult = await loadPolicy({ octokit, owner, repo, defaultBranch });
  if (!policyResult.ok) {
    return refuse(
      "authz:policy-from-default-branch",
      `the policy on ${defaultBranch} is invalid: ${policyResult.error.message}`,
    );
  }
  const policy = policyResult.policy;
  if (
    isBot(comment.user ?? { login: approver }) &&
    !policy.bots.some((b) => b.toLowerCase() === approver.toLowerCase())
  ) {
    return refuse("authz:bots-ignored", `${who(approver)} is a bot the policy does not name`);
  }
  const request = await planRequest({
    octokit,
    repository: { owner, repo, defaultBranch, ownerType: repository.owner.type },
    checkRunId: stored.checkRunId,
    issueNumber: pr,
  });
  if (request?.mode !== "deploy") {
    return refuse(
      "authz:approve-binds-current-plan",
      "the request behind this plan is not a `/devops deploy` that can be verified",
    );
  }
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
    owner,
    repo,
    pull_number: pr,
    per_page: 100,
  });
  const refusal = approverRefusal({
    login: approver,
    access: await getAccess({ octokit, owner, repo, login: approver }),
    repository: { ownerLogin: owner, ownerType: repository.owner.type },
    policy,
    requester: request.requester,
    prAuthor: pull.user?.login ?? "",
    pushers: commits.flatMap((c) => [c.author?.login, c.committer?.login]).filter((l): l is string => !!l),
    defaultBranch,
  });
  if (refusal) return { ok: false, refusal };

  // Single use, and this run: the approval's ref at the head, the plan's dispatch ref, the Deployment naming us.
  for (const ref of [`${APPROVAL_REF_PREFIX}${comment.id}`, `${DISPATCH_REF_PREFIX}${inputs.planHash}`]) {
    const sha = await refSha(octokit, { owner, repo, ref });
    if (sha !== inputs.headSha) {
      return refuse(
        "apply:approval-names-this-run",
        sha
          ? `${inlineCode(ref)} points at ${inlineCode(sha.slice(0, 7))}, not the head`
          : `${inlineCode(ref)} does not exist: the App did not record this approval`,
      );
    }
  }
  const { data: deployments } = await octokit.rest.repos.listDeployments({
    owner,
    repo,
    environment: plan.environment,
    per_page: 30,
  });
  const deployment = [...deployments]
    .sort((a, b) => b.id - a.id)
    .find((d) => payloadOf(d.payload).planHash === inputs.planHash);
  const payload = payloadOf(deployment?.payload);
  if (!deployment || payload.runId !== inputs.runId || payload.approvalCommentId !== comment.id) {
    return refuse(
      "apply:approval-names-this-run",
      deployment
        ? `the approved Deployment ${deployment.id} names run ${String(payload.runId)}, not this run ${inputs.runId}`
        : `no Deployment records the approval of plan ${inlineCode(inputs.planHash.slice(0, 12))}`,
    );
  }
  return {
    ok: true,
    pinned: stored.pinned,
    policy,
    defaultBranch,
    approver,
    deploymentId: deployment.id,
    repositoryPrivate: repository.private,
  };
}

async function refSha(
  octokit: GithubApi,
  options: { owner: string; repo: string; ref: string },
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({
      owner: options.owner,
      repo: options.repo,
      ref: options.ref.replace(/^refs\//, ""),
    });
    return data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}

function payloadOf(payload: unknown): { planHash?: unknown; runId?: unknown; approvalCommentId?: unknown } {
  if (typeof payload === "string") {
    try {
      return payloadOf(JSON.parse(payload));
    } catch {
      return {};
    }
  }
  return typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : {};
}
