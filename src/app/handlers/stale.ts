// A push to the pull request makes its plan stale (DESIGN: what is approved is pinned): the plan's check run
// is completed as stale and the checklist says so, with its approvals void. No new plan is made: the
// requester comments `/devops deploy` again for the new head.
import { renderChecklist } from "../../plan/checklist.ts";
import type { GithubApi } from "../plan-store.ts";
import { markPlanStale, readPlanCheck, upsertChecklistComment } from "../plan-store.ts";
import type { AppIdentity, HandlerLog, RepoFacts } from "./context.ts";
import { planRequest } from "./plan-request.ts";

export async function handlePush(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  app: AppIdentity;
  pullNumber: number;
  before: string;
  after: string;
  log: HandlerLog;
}): Promise<boolean> {
  const { octokit, repository, app, pullNumber, before, after, log } = options;
  const { owner, repo } = repository;
  const stored = await readPlanCheck({
    octokit,
    owner,
    repo,
    headSha: before,
    appId: app.id,
    log: { warn: (message) => log.warn(message) },
  });
  if (!stored || stored.stale) return false;
  const reason = `new commits were pushed (${before.slice(0, 7)} → ${after.slice(0, 7)})`;
  await markPlanStale({ octokit, owner, repo, checkRunId: stored.checkRunId, reason });
  const request = await planRequest({
    octokit,
    repository,
    checkRunId: stored.checkRunId,
    issueNumber: pullNumber,
  });
  const body = renderChecklist({
    pinned: stored.pinned,
    state: {
      status: "stale",
      staleReason: reason,
      requestedBy: request?.requester ?? "unknown",
      approvals: [],
    },
  });
  await upsertChecklistComment({ octokit, owner, repo, issueNumber: pullNumber, body, appSlug: app.slug });
  log.info(`plan ${stored.pinned.hash} on ${owner}/${repo}#${pullNumber} is stale: ${reason}`);
  return true;
}
