// POST doctor: where the provider secrets live (DESIGN rule 6). A repository-level copy is readable by any
// writer's branch workflow, skipping the Environment's approval; the Action cannot see the difference (its job
// token cannot list secrets and `toJSON(secrets)` merges both levels), the App can: listing needs `secrets`
// (repository) and `environments` (Environment) read, and lists names, never values. It changes nothing, so
// any run of our dispatch workflow on the default branch may ask, approved or not.
import type { DoctorRequest, DoctorResponse } from "../../bridge/protocol.ts";
import { httpStatus } from "../authz/http-status.ts";
import type { HandlerLog } from "../handlers/context.ts";
import { PROVIDER_SECRETS } from "../names.ts";
import { REGISTRY_SECRET } from "../onboarding/deploy-config.ts";
import type { GithubApi } from "../plan-store.ts";
import { type BridgeCaller, BridgeRefusal } from "./verify.ts";

/**
 * Every secret whose repository-level copy doctor reports: the providers' credentials, the plan run's
 * read-only Cloudflare token (the Action's CLOUDFLARE_READ_SECRET) and the registry pull token.
 */
export const DOCTOR_SECRET_NAMES: readonly string[] = [
  ...Object.values(PROVIDER_SECRETS),
  "CLOUDFLARE_API_TOKEN_READ",
  REGISTRY_SECRET,
];

export async function handleDoctor(options: {
  caller: BridgeCaller;
  body: DoctorRequest;
  log: HandlerLog;
}): Promise<DoctorResponse> {
  const { caller, body, log } = options;
  const { owner, repo } = caller.repository;
  const octokit = caller.octokit;
  const watched = new Set(DOCTOR_SECRET_NAMES);

  const repositorySecrets = (
    await octokit
      .paginate(octokit.rest.actions.listRepoSecrets, { owner, repo, per_page: 100 })
      .catch(lacking(`${owner}/${repo}`, "secrets: read", "list its repository secrets"))
  )
    .map((s) => s.name.toUpperCase())
    .filter((name) => watched.has(name))
    .sort();

  const environment = await readEnvironment({ octokit, owner, repo, name: body.environment });
  const secrets = environment.exists
    ? (
        await octokit
          .paginate(octokit.rest.actions.listEnvironmentSecrets, {
            owner,
            repo,
            environment_name: environment.name,
            per_page: 100,
          })
          .catch(lacking(`${owner}/${repo}`, "environments: read", "list its Environment's secrets"))
      )
        .map((s) => s.name.toUpperCase())
        .filter((name) => watched.has(name))
        .sort()
    : [];

  log.info(
    `doctor for run ${caller.runId} of ${owner}/${repo}: ${repositorySecrets.length} repository-level ` +
      `provider secret(s), Environment ${environment.name} ${environment.exists ? "exists" : "is missing"}`,
  );
  return { repositorySecrets, environment: { ...environment, secrets } };
}

async function readEnvironment(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  name: string;
}): Promise<Omit<DoctorResponse["environment"], "secrets">> {
  const { octokit, owner, repo, name } = options;
  try {
    const { data } = await octokit.rest.repos.getEnvironment({ owner, repo, environment_name: name });
    const policy = data.deployment_branch_policy;
    return {
      name: data.name ?? name,
      exists: true,
      protectedBranchesOnly: policy?.protected_branches === true,
      customBranchPolicies: policy?.custom_branch_policies === true,
    };
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
    return { name, exists: false, protectedBranchesOnly: false, customBranchPolicies: false };
  }
}

/** GitHub answers 403 when the installation was not granted a permission: say which, and who can grant it. */
function lacking(repository: string, permission: string, purpose: string): (error: unknown) => never {
  return (error) => {
    if (httpStatus(error) !== 403) throw error;
    throw new BridgeRefusal(
      403,
      `the App's installation on ${repository} lacks ${permission}, which doctor needs to ${purpose}: ` +
        "an owner accepts the App's updated permissions in the installation's settings",
    );
  };
}
