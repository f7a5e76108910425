// Deployments and their statuses: a deployment pins a ref to a sha and an environment; the App reports apply
// progress as deployment statuses. Required contexts are checked against the commit's check runs, as GitHub does.
import { GithubError, notFound } from "../errors.ts";
import { resolveRef } from "../git.ts";
import { paginate } from "../paginate.ts";
import { fullName, nodeId, simpleUser } from "../serialize.ts";
import type { Deployment, DeploymentStatus, Repo } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { integration } from "./apps.ts";
import { ensureEnvironment } from "./environments.ts";

const SUCCESSFUL = ["success", "neutral", "skipped"];

function api(ctx: HandlerContext, repo: Repo): string {
  return `${ctx.twin.url}/repos/${fullName(repo)}`;
}

function isProduction(deployment: Deployment): boolean {
  return deployment.environment.toLowerCase() === "production";
}

function deploymentBody(ctx: HandlerContext, repo: Repo, deployment: Deployment): Record<string, unknown> {
  const url = `${api(ctx, repo)}/deployments/${deployment.id}`;
  return {
    url,
    id: deployment.id,
    node_id: nodeId("Deployment", deployment.id),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: simpleUser(ctx.twin, deployment.creatorLogin),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: api(ctx, repo),
    transient_environment: false,
    production_environment: isProduction(deployment),
    performed_via_github_app: deployment.appId !== undefined ? integration(ctx.twin, deployment.appId) : null,
  };
}

function statusBody(ctx: HandlerContext, repo: Repo, deployment: Deployment, status: DeploymentStatus) {
  const deploymentUrl = `${api(ctx, repo)}/deployments/${deployment.id}`;
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: nodeId("DeploymentStatus", status.id),
    state: status.state,
    creator: simpleUser(ctx.twin, status.creatorLogin),
    description: status.description,
    environment: deployment.environment,
    // GitHub sends "" for an unset URL, which its own description (format: uri) rejects: unset URLs are left
    // out, and the required target_url falls back to the deployment's page.
    target_url: status.logUrl || `${ctx.twin.url}/_web/${fullName(repo)}/deployments/${deployment.id}`,
    ...(status.logUrl ? { log_url: status.logUrl } : {}),
    ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: api(ctx, repo),
    performed_via_github_app: deployment.appId !== undefined ? integration(ctx.twin, deployment.appId) : null,
  };
}

function findDeployment(ctx: HandlerContext, repo: Repo): Deployment {
  const deployment = repo.deployments[Number(ctx.params.deployment_id)];
  if (!deployment) throw notFound();
  return deployment;
}

/** Without `required_contexts` every check on the commit must have succeeded; with it, the ones named. */
function contextsFailing(ctx: HandlerContext, repo: Repo, sha: string): boolean {
  const latest = new Map<string, string | null>();
  for (const run of Object.values(repo.checkRuns).sort((a, b) => b.id - a.id)) {
    if (run.headSha === sha && !latest.has(run.name)) latest.set(run.name, run.conclusion);
  }
  const required = (ctx.body.required_contexts as string[] | undefined) ?? [...latest.keys()];
  return required.some((name) => !SUCCESSFUL.includes(latest.get(name) ?? ""));
}

function callerAppId(ctx: HandlerContext): number | undefined {
  return ctx.identity.kind === "installation" ? ctx.identity.appId : undefined;
}

export const deploymentHandlers: HandlerTable = {
  "repos/create-deployment": (ctx) => {
    const repo = ctx.repo();
    const ref = String(ctx.body.ref ?? "");
    const sha = resolveRef(repo, ref);
    if (!sha) throw new GithubError(422, `No ref found for: ${ref}`);
    // GitHub answers "Conflict: Commit status checks failed for <ref>.", but its description gives 409 no body.
    if (contextsFailing(ctx, repo, sha)) return { status: 409 };
    // `auto_merge` (merging the default branch into a ref behind it) is accepted but not performed.
    const environment = typeof ctx.body.environment === "string" ? ctx.body.environment : "production";
    ensureEnvironment(ctx.twin, repo, environment);
    const now = ctx.now();
    const appId = callerAppId(ctx);
    const deployment: Deployment = {
      id: ctx.twin.nextId(),
      sha,
      ref,
      task: typeof ctx.body.task === "string" ? ctx.body.task : "deploy",
      environment,
      description: typeof ctx.body.description === "string" ? ctx.body.description : null,
      payload: ctx.body.payload ?? {},
      creatorLogin: ctx.actorLogin,
      ...(appId !== undefined ? { appId } : {}),
      createdAt: now,
      updatedAt: now,
      statuses: [],
    };
    repo.deployments[deployment.id] = deployment;
    return {
      status: 201,
      body: deploymentBody(ctx, repo, deployment),
      headers: { location: `${api(ctx, repo)}/deployments/${deployment.id}` },
    };
  },

  "repos/list-deployments": (ctx) => {
    const repo = ctx.repo();
    const filters: [string, (d: Deployment) => string][] = [
      ["sha", (d) => d.sha],
      ["ref", (d) => d.ref],
      ["task", (d) => d.task],
      ["environment", (d) => d.environment],
    ];
    const deployments = Object.values(repo.deployments)
      .filter((d) => filters.every(([key, get]) => !ctx.query.has(key) || get(d) === ctx.query.get(key)))
      .sort((a, b) => b.id - a.id);
    const { page, headers } = paginate(ctx, deployments);
    return { status: 200, body: page.map((d) => deploymentBody(ctx, repo, d)), headers };
  },

  "repos/get-deployment": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: deploymentBody(ctx, repo, findDeployment(ctx, repo)) };
  },

  "repos/create-deployment-status": (ctx) => {
    const repo = ctx.repo();
    const deployment = findDeployment(ctx, repo);
    const now = ctx.now();
    if (typeof ctx.body.environment === "string" && ctx.body.environment !== deployment.environment) {
      deployment.environment = ctx.body.environment;
      ensureEnvironment(ctx.twin, repo, deployment.environment);
    }
    const status: DeploymentStatus = {
      id: ctx.twin.nextId(),
      state: String(ctx.body.state),
      description: typeof ctx.body.description === "string" ? ctx.body.description : "",
      environmentUrl: typeof ctx.body.environment_url === "string" ? ctx.body.environment_url : "",
      logUrl: String(ctx.body.log_url ?? ctx.body.target_url ?? ""),
      creatorLogin: ctx.actorLogin,
      createdAt: now,
      updatedAt: now,
    };
    deployment.statuses.push(status);
    deployment.updatedAt = now;
    // auto_inactive (default true): a new success retires earlier successful deployments of the same
    // non-production environment.
    if (status.state === "success" && ctx.body.auto_inactive !== false && !isProduction(deployment)) {
      for (const other of Object.values(repo.deployments)) {
        const last = other.statuses.at(-1);
        if (
          other.id === deployment.id ||
          other.environment !== deployment.environment ||
          last?.state !== "success"
        )
          continue;
        other.statuses.push({
          ...last,
          id: ctx.twin.nextId(),
          state: "inactive",
          creatorLogin: ctx.actorLogin,
          createdAt: now,
          updatedAt: now,
        });
        other.updatedAt = now;
      }
    }
    return {
      status: 201,
      body: statusBody(ctx, repo, deployment, status),
      headers: { location: `${api(ctx, repo)}/deployments/${deployment.id}/statuses/${status.id}` },
    };
  },

  "repos/list-deployment-statuses": (ctx) => {
    const repo = ctx.repo();
    const deployment = findDeployment(ctx, repo);
    const statuses = [...deployment.statuses].reverse();
    const { page, headers } = paginate(ctx, statuses);
    return { status: 200, body: page.map((s) => statusBody(ctx, repo, deployment, s)), headers };
  },
};
