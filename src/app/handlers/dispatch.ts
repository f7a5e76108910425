// Dispatching our workflow: always on the default branch (DESIGN rule 5: workflow_dispatch takes a branch,
// and only the default branch's workflow and Environment may hold provider credentials), never on the PR's
// branch or SHA; what to deploy travels as inputs, which the Action re-verifies against the API.
import { DISPATCH_WORKFLOW_PATH } from "../names.ts";
import type { GithubApi } from "../plan-store.ts";
import type { RepoFacts } from "./context.ts";

export interface DispatchInputs {
  command: "plan" | "apply";
  pr: string;
  "head-sha": string;
  "plan-hash": string;
  environment: string;
  "approval-comment-id"?: string;
}

export async function dispatchRun(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  inputs: DispatchInputs;
}): Promise<{ runId?: number; runUrl?: string }> {
  const { octokit, repository, inputs } = options;
  const response = await octokit.rest.actions.createWorkflowDispatch({
    owner: repository.owner,
    repo: repository.repo,
    workflow_id: DISPATCH_WORKFLOW_PATH.split("/").pop() as string,
    ref: repository.defaultBranch,
    inputs: { ...inputs },
    return_run_details: true,
  });
  // 200 with the run's details where GitHub supports it; 204 (no body) elsewhere.
  const data = ((response.status as number) === 200 ? response.data : undefined) as unknown as
    | { workflow_run_id?: number; html_url?: string }
    | undefined;
  return {
    ...(data?.workflow_run_id !== undefined ? { runId: data.workflow_run_id } : {}),
    ...(data?.html_url ? { runUrl: data.html_url } : {}),
  };
}
