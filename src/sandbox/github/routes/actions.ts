// GitHub Actions: workflows, workflow_dispatch, runs, jobs and their logs. Log downloads answer 302 to a
// short-lived, token-less URL on the twin (as GitHub redirects to signed blob storage), served by ExtraRoutes.
import { randomBytes } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import type { TwinResponse } from "../../http.ts";
import { GithubError, notFound } from "../errors.ts";
import { getCommit } from "../git.ts";
import { oidcRoutes } from "../oidc.ts";
import { paginate } from "../paginate.ts";
import {
  dispatchWorkflow,
  findWorkflow,
  listWorkflows,
  type WorkflowEntry,
  workflowId,
} from "../runner/dispatch.ts";
import { fullName, nodeId, repository, simpleUser } from "../serialize.ts";
import type { Job, Repo, WorkflowRun } from "../state.ts";
import type { ExtraRoute, GithubTwin, HandlerContext, HandlerTable } from "../twin.ts";

/** How long a log download link stays valid, by the twin's clock. */
export const LOG_LINK_TTL_MS = 60_000;

const api = (twin: GithubTwin, repo: Repo) => `${twin.url}/repos/${fullName(repo)}`;
const web = (twin: GithubTwin, repo: Repo) => `${twin.url}/_web/${fullName(repo)}`;

export function workflowJson(twin: GithubTwin, repo: Repo, workflow: WorkflowEntry): Record<string, unknown> {
  return {
    id: workflow.id,
    node_id: nodeId("Workflow", workflow.id),
    name: workflow.name,
    path: workflow.path,
    state: "active",
    created_at: repo.createdAt,
    updated_at: repo.pushedAt,
    url: `${api(twin, repo)}/actions/workflows/${workflow.id}`,
    html_url: `${web(twin, repo)}/blob/${repo.defaultBranch}/${workflow.path}`,
    badge_url: `${web(twin, repo)}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  };
}

/** The `workflow-run` shape (REST and the `workflow_run` webhook). Fork runs list no pull requests. */
export function runJson(twin: GithubTwin, repo: Repo, run: WorkflowRun): Record<string, unknown> {
  const base = `${api(twin, repo)}/actions/runs/${run.id}`;
  const id = workflowId(twin, repo, run.workflowPath);
  const commit = getCommit(repo, run.headSha);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("WorkflowRun", run.id),
    check_suite_id: run.id,
    check_suite_node_id: nodeId("CheckSuite", run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflowPath,
    display_title: run.name,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: id,
    url: base,
    html_url: `${web(twin, repo)}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: simpleUser(twin, run.actorLogin),
    triggering_actor: simpleUser(twin, run.actorLogin),
    run_started_at: run.runStartedAt,
    jobs_url: `${base}/jobs`,
    logs_url: `${base}/logs`,
    check_suite_url: `${api(twin, repo)}/check-suites/${run.id}`,
    artifacts_url: `${base}/artifacts`,
    cancel_url: `${base}/cancel`,
    rerun_url: `${base}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${api(twin, repo)}/actions/workflows/${id}`,
    head_commit: commit
      ? {
          id: commit.sha,
          tree_id: commit.tree,
          message: commit.message,
          timestamp: commit.committer.date,
          author: { name: commit.author.name, email: commit.author.email },
          committer: { name: commit.committer.name, email: commit.committer.email },
        }
      : null,
    repository: repository(twin, repo),
    head_repository: repository(twin, repo),
    head_repository_id: repo.id,
  };
}

/** The `job` shape (REST and the `workflow_job` webhook). */
export function jobJson(twin: GithubTwin, repo: Repo, job: Job): Record<string, unknown> {
  const run = repo.runs[job.runId];
  const started = job.status !== "queued";
  return {
    id: job.id,
    run_id: job.runId,
    run_url: `${api(twin, repo)}/actions/runs/${job.runId}`,
    run_attempt: run?.runAttempt ?? 1,
    node_id: nodeId("CheckRun", job.id),
    head_sha: run?.headSha ?? "",
    url: `${api(twin, repo)}/actions/jobs/${job.id}`,
    html_url: `${web(twin, repo)}/actions/runs/${job.runId}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: job.createdAt ?? job.startedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    name: job.name,
    steps: job.steps.map((s) => ({
      name: s.name,
      status: s.status,
      conclusion: s.conclusion,
      number: s.number,
      started_at: s.startedAt,
      completed_at: s.completedAt,
    })),
    check_run_url: `${api(twin, repo)}/check-runs/${job.id}`,
    labels: job.labels ?? [],
    runner_id: started ? 1 : null,
    runner_name: started ? "GitHub Actions 1" : null,
    runner_group_id: started ? 0 : null,
    runner_group_name: started ? "GitHub Actions" : null,
    workflow_name: run?.name ?? null,
    head_branch: run?.headBranch ?? null,
  };
}

function workflowOr404(ctx: HandlerContext, repo: Repo): WorkflowEntry {
  const workflow = findWorkflow(ctx.twin, repo, ctx.params.workflow_id ?? "");
  if (!workflow) throw notFound();
  return workflow;
}

function runOr404(repo: Repo, id: string | undefined): WorkflowRun {
  const run = repo.runs[Number(id)];
  if (!run) throw notFound();
  return run;
}

function jobOr404(repo: Repo, id: string | undefined): Job {
  const job = repo.jobs[Number(id)];
  if (!job) throw notFound();
  return job;
}

function listRuns(ctx: HandlerContext, repo: Repo, workflowPath?: string) {
  const q = (name: string) => ctx.query.get(name) ?? undefined;
  const status = q("status");
  const runs = Object.values(repo.runs)
    .filter((r) => workflowPath === undefined || r.workflowPath === workflowPath)
    .filter((r) => !status || r.status === status || r.conclusion === status)
    .filter((r) => !q("event") || r.event === q("event"))
    .filter((r) => !q("head_sha") || r.headSha === q("head_sha"))
    .filter((r) => !q("branch") || r.headBranch === q("branch"))
    .filter((r) => !q("actor") || r.actorLogin.toLowerCase() === q("actor")?.toLowerCase())
    .sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(ctx, runs);
  return {
    status: 200,
    body: { total_count: runs.length, workflow_runs: page.map((r) => runJson(ctx.twin, repo, r)) },
    headers,
  };
}

function logLink(ctx: HandlerContext, repo: Repo, kind: "job" | "run", id: number) {
  const key = randomBytes(24).toString("base64url");
  const expiresAt = new Date(ctx.twin.clock.now().getTime() + LOG_LINK_TTL_MS).toISOString();
  ctx.world.logLinks[key] = { kind, repo: fullName(repo), id, expiresAt };
  return { status: 302, headers: { location: `${ctx.twin.url}/_logs/${key}` } };
}

export const actionHandlers: HandlerTable = {
  "actions/list-repo-workflows": (ctx) => {
    const repo = ctx.repo();
    const workflows = listWorkflows(ctx.twin, repo);
    const { page, headers } = paginate(ctx, workflows);
    return {
      status: 200,
      body: { total_count: workflows.length, workflows: page.map((w) => workflowJson(ctx.twin, repo, w)) },
      headers,
    };
  },

  "actions/get-workflow": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: workflowJson(ctx.twin, repo, workflowOr404(ctx, repo)) };
  },

  "actions/create-workflow-dispatch": (ctx) => {
    const repo = ctx.repo();
    const workflow = workflowOr404(ctx, repo);
    const inputs = ctx.body.inputs ?? {};
    if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs))
      throw new GithubError(422, "inputs must be an object");
    const run = dispatchWorkflow(ctx.twin, {
      repo,
      workflow,
      ref: String(ctx.body.ref),
      inputs: inputs as Record<string, unknown>,
      actorLogin: ctx.actorLogin,
    });
    if (ctx.body.return_run_details !== true) return { status: 204 };
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `${api(ctx.twin, repo)}/actions/runs/${run.id}`,
        html_url: `${web(ctx.twin, repo)}/actions/runs/${run.id}`,
      },
    };
  },

  "actions/list-workflow-runs-for-repo": (ctx) => listRuns(ctx, ctx.repo()),

  "actions/list-workflow-runs": (ctx) => {
    const repo = ctx.repo();
    return listRuns(ctx, repo, workflowOr404(ctx, repo).path);
  },

  "actions/get-workflow-run": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: runJson(ctx.twin, repo, runOr404(repo, ctx.params.run_id)) };
  },

  "actions/list-jobs-for-workflow-run": (ctx) => {
    const repo = ctx.repo();
    const run = runOr404(repo, ctx.params.run_id);
    const jobs = run.jobIds.map((id) => repo.jobs[id]).filter((j): j is Job => j !== undefined);
    const { page, headers } = paginate(ctx, jobs);
    return {
      status: 200,
      body: { total_count: jobs.length, jobs: page.map((j) => jobJson(ctx.twin, repo, j)) },
      headers,
    };
  },

  "actions/get-job-for-workflow-run": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: jobJson(ctx.twin, repo, jobOr404(repo, ctx.params.job_id)) };
  },

  "actions/download-job-logs-for-workflow-run": (ctx) => {
    const repo = ctx.repo();
    return logLink(ctx, repo, "job", jobOr404(repo, ctx.params.job_id).id);
  },

  "actions/download-workflow-run-logs": (ctx) => {
    const repo = ctx.repo();
    return logLink(ctx, repo, "run", runOr404(repo, ctx.params.run_id).id);
  },
};

/** A run's logs as GitHub zips them: one `<n>_<job name>.txt` per job at the root. */
export function runLogsZip(repo: Repo, run: WorkflowRun): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  run.jobIds.forEach((id, index) => {
    const job = repo.jobs[id];
    if (job) entries[`${index}_${job.name.replace(/[/\\:*?"<>|]/g, "_")}.txt`] = strToU8(job.log);
  });
  return zipSync(entries);
}

/** The token-less log downloads the 302s point at, and the OIDC issuer: routes outside the REST description. */
export function actionExtraRoutes(twin: GithubTwin): ExtraRoute[] {
  return [
    {
      method: "GET",
      pattern: /^\/_logs\/([A-Za-z0-9_-]+)$/,
      handle: (_req, match): TwinResponse => {
        const link = twin.world.logLinks[match[1] ?? ""];
        // Like an expired signed blob URL: refused, whoever asks.
        if (!link || new Date(link.expiresAt).getTime() <= twin.clock.now().getTime()) {
          return {
            status: 403,
            headers: { "content-type": "text/plain" },
            body: "AuthenticationFailed: the log link expired",
          };
        }
        const repo = twin.repoByName(link.repo);
        if (link.kind === "job") {
          const job = repo?.jobs[link.id];
          if (!job) return { status: 404, body: { message: "Not Found" } };
          return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: job.log };
        }
        const run = repo?.runs[link.id];
        if (!repo || !run) return { status: 404, body: { message: "Not Found" } };
        return {
          status: 200,
          headers: {
            "content-type": "application/zip",
            "content-disposition": `attachment; filename=logs_${run.id}.zip`,
          },
          body: Buffer.from(runLogsZip(repo, run)),
        };
      },
    },
    ...oidcRoutes(twin),
  ];
}
