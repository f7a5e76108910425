// Deployments record each approved apply (GitHub is the database): created queued by the App, moved on by the
// Action. They also answer "is an apply of this environment already under way?" (DESIGN rule 8).
import type { GithubApi } from "../plan-store.ts";
import type { RepoFacts } from "./context.ts";

const ACTIVE = new Set(["queued", "pending", "in_progress"]);

export interface ActiveApply {
  deploymentId: number;
  planHash: string | undefined;
  state: string;
}

/** The newest deployment of the environment when it is still queued or running (and its run has not ended). */
export async function activeApply(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  environment: string;
}): Promise<ActiveApply | undefined> {
  const { octokit, repository, environment } = options;
  const { owner, repo } = repository;
  const { data: deployments } = await octokit.rest.repos.listDeployments({
    owner,
    repo,
    environment,
    per_page: 10,
  });
  const latest = [...deployments].sort((a, b) => b.id - a.id)[0];
  if (!latest) return undefined;
  const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
    owner,
    repo,
    deployment_id: latest.id,
    per_page: 10,
  });
  const state = [...statuses].sort((a, b) => b.id - a.id)[0]?.state ?? "pending";
  if (!ACTIVE.has(state)) return undefined;
  const payload = (typeof latest.payload === "object" && latest.payload ? latest.payload : {}) as {
    planHash?: unknown;
    runId?: unknown;
  };
  // The Action moves the status on; a run that ended without doing so (it crashed, it was cancelled) does not
  // hold the environment forever.
  if (typeof payload.runId === "number") {
    const { data: run } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: payload.runId });
    if (run.status === "completed") return undefined;
  }
  return {
    deploymentId: latest.id,
    planHash: typeof payload.planHash === "string" ? payload.planHash : undefined,
    state,
  };
}

export async function recordDeployment(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  headSha: string;
  environment: string;
  planHash: string;
  pr: number;
  run: { runId?: number; runUrl?: string };
  approval: { login: string; commentId: number };
}): Promise<number> {
  const { octokit, repository, headSha, environment, planHash, pr, run, approval } = options;
  const { owner, repo } = repository;
  const response = await octokit.rest.repos.createDeployment({
    owner,
    repo,
    ref: headSha,
    environment,
    // No commit status gate: the approval is the gate (GitHub answers 409 when required contexts fail).
    required_contexts: [],
    auto_merge: false,
    payload: {
      planHash,
      pr,
      approvedBy: approval.login,
      approvalCommentId: approval.commentId,
      ...(run.runId !== undefined ? { runId: run.runId } : {}),
    },
    description: `devops-agent plan ${planHash.slice(0, 12)} for #${pr}`,
  });
  if (response.status !== 201 || !("id" in response.data)) {
    throw new Error(`creating the deployment answered ${response.status}`);
  }
  const deploymentId = response.data.id;
  await octokit.rest.repos.createDeploymentStatus({
    owner,
    repo,
    deployment_id: deploymentId,
    state: "queued",
    description: "approved; the apply run is queued",
    ...(run.runUrl ? { log_url: run.runUrl } : {}),
  });
  return deploymentId;
}

export interface DeploymentSummary {
  id: number;
  state: string;
  approvedBy: string | undefined;
  logUrl: string | undefined;
}

/** The deployments the App recorded for a plan hash, newest first, each with its latest status. */
export async function deploymentsOfPlan(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  environment: string;
  planHash: string;
}): Promise<DeploymentSummary[]> {
  const { octokit, repository, environment, planHash } = options;
  const { owner, repo } = repository;
  const { data } = await octokit.rest.repos.listDeployments({ owner, repo, environment, per_page: 30 });
  const ours = data
    .filter((d) => (d.payload as { planHash?: unknown } | null)?.planHash === planHash)
    .sort((a, b) => b.id - a.id);
  const out: DeploymentSummary[] = [];
  for (const deployment of ours) {
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      owner,
      repo,
      deployment_id: deployment.id,
      per_page: 10,
    });
    const latest = [...statuses].sort((a, b) => b.id - a.id)[0];
    const approvedBy = (deployment.payload as { approvedBy?: unknown }).approvedBy;
    out.push({
      id: deployment.id,
      state: latest?.state ?? "pending",
      approvedBy: typeof approvedBy === "string" ? approvedBy : undefined,
      logUrl: latest?.log_url ?? undefined,
    });
  }
  return out;
}
