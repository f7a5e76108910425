// Deployment environments: each has its own libsodium keypair for its secrets, and a deployment branch policy
// (`protected_branches` limits deploys to protected branches; the doctor checks production is so limited).
import { GithubError, notFound } from "../errors.ts";
import { paginate } from "../paginate.ts";
import { newSecretBox } from "../secret-box.ts";
import { fullName, nodeId } from "../serialize.ts";
import type { Environment, Repo } from "../state.ts";
import type { GithubTwin, HandlerContext, HandlerTable } from "../twin.ts";

/** Environment names are case-insensitive; the map is keyed by the lower-cased name. */
export function findEnvironment(repo: Repo, name: string): Environment | undefined {
  return repo.environments[name.toLowerCase()];
}

/** The environment a path's {environment_name} names; 404 when it does not exist. */
export function environmentOr404(repo: Repo, name: string): Environment {
  const environment = findEnvironment(repo, name);
  if (!environment) throw notFound();
  return environment;
}

/** Creates the environment when missing (GitHub does so for a deployment to a new environment name). */
export function ensureEnvironment(twin: GithubTwin, repo: Repo, name: string): Environment {
  const existing = findEnvironment(repo, name);
  if (existing) return existing;
  const now = twin.now();
  const environment: Environment = {
    id: twin.nextId(),
    name,
    createdAt: now,
    updatedAt: now,
    protectedBranchesOnly: false,
    secretBox: newSecretBox(),
    secrets: {},
    variables: {},
  };
  repo.environments[name.toLowerCase()] = environment;
  return environment;
}

function environmentBody(ctx: HandlerContext, repo: Repo, environment: Environment): Record<string, unknown> {
  const policy =
    environment.protectedBranchesOnly || environment.customBranchPolicies
      ? {
          protected_branches: environment.protectedBranchesOnly,
          custom_branch_policies: environment.customBranchPolicies === true,
        }
      : null;
  return {
    id: environment.id,
    node_id: nodeId("Environment", environment.id),
    name: environment.name,
    url: `${ctx.twin.url}/repos/${fullName(repo)}/environments/${encodeURIComponent(environment.name)}`,
    html_url: `${ctx.twin.url}/_web/${fullName(repo)}/deployments/activity_log?environments_filter=${encodeURIComponent(environment.name)}`,
    created_at: environment.createdAt,
    updated_at: environment.updatedAt,
    protection_rules: policy
      ? [{ id: environment.id + 1, node_id: nodeId("Gate", environment.id), type: "branch_policy" }]
      : [],
    deployment_branch_policy: policy,
  };
}

export const environmentHandlers: HandlerTable = {
  "repos/get-all-environments": (ctx) => {
    const repo = ctx.repo();
    const all = Object.values(repo.environments).sort((a, b) =>
      a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1,
    );
    const { page, headers } = paginate(ctx, all);
    return {
      status: 200,
      body: { total_count: all.length, environments: page.map((e) => environmentBody(ctx, repo, e)) },
      headers,
    };
  },

  "repos/get-environment": (ctx) => {
    const repo = ctx.repo();
    return {
      status: 200,
      body: environmentBody(ctx, repo, environmentOr404(repo, ctx.params.environment_name ?? "")),
    };
  },

  "repos/create-or-update-environment": (ctx) => {
    const repo = ctx.repo();
    const name = ctx.params.environment_name ?? "";
    if (!/^[^/\\:*?"<>|]{1,255}$/.test(name)) throw new GithubError(422, "Environment name is invalid.");
    const policy = ctx.body.deployment_branch_policy as
      | { protected_branches: boolean; custom_branch_policies: boolean }
      | null
      | undefined;
    if (policy && policy.protected_branches === policy.custom_branch_policies) {
      throw new GithubError(
        422,
        "Only one of `protected_branches` and `custom_branch_policies` can be set to true.",
      );
    }
    const environment = ensureEnvironment(ctx.twin, repo, name);
    if (policy !== undefined) {
      environment.protectedBranchesOnly = policy?.protected_branches === true;
      environment.customBranchPolicies = policy?.custom_branch_policies === true;
    }
    environment.updatedAt = ctx.now();
    return { status: 200, body: environmentBody(ctx, repo, environment) };
  },
};
