// What plan, verify and logs each start from: the App's current plan for a head commit (from the check run only
// the App writes, its hash recomputed) and the default branch's policy, which names the provider servers.
import { loadPolicy } from "../src/app/authz/policy.ts";
import { readPlanCheck } from "../src/app/plan-store.ts";
import type { Policy } from "../src/config/schema.ts";
import type { PinnedPlan } from "../src/plan/types.ts";
import { InputError, type RunContext } from "./run-context.ts";

export interface CurrentPlan {
  pinned: PinnedPlan;
  stale: boolean;
  policy: Policy;
  defaultBranch: string;
}

/** The App's plan for `headSha` and the default branch's policy; `missing` says what a run needs it for. */
export async function currentPlan(
  ctx: RunContext,
  options: { headSha: string; missing: string },
): Promise<CurrentPlan> {
  const { owner, repo, octokit } = ctx;
  const { data: repository } = await octokit.rest.repos.get({ owner, repo });
  const stored = await readPlanCheck({
    octokit,
    owner,
    repo,
    headSha: options.headSha,
    appSlug: ctx.appSlug,
  });
  if (!stored)
    throw new InputError(`no plan of the App for ${options.headSha.slice(0, 7)}: ${options.missing}`);
  const policyResult = await loadPolicy({ octokit, owner, repo, defaultBranch: repository.default_branch });
  if (!policyResult.ok) throw policyResult.error;
  return {
    pinned: stored.pinned,
    stale: stored.stale,
    policy: policyResult.policy,
    defaultBranch: repository.default_branch,
  };
}
