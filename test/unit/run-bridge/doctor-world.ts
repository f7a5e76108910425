// Placing provider secrets on the twin the way a repository admin does (the App cannot write repository secrets
// or create Environments): sealed with the holder's public key through the REST API.
import assert from "node:assert/strict";
import { Octokit } from "@octokit/rest";
import { sealSecret } from "../../../src/providers/github/index.ts";
import { addUser } from "../../../src/sandbox/github/world.ts";
import { type BridgeWorld, FULL, NAME, OWNER } from "./world.ts";

export const VALUES: Record<string, string> = {
  DOKPLOY_API_KEY: "dokploy-key-value-1234567890",
  CLOUDFLARE_API_TOKEN: "cf-token-value-1234567890",
  NPM_TOKEN: "npm-token-value-1234567890",
};

/** A repository admin, as the person who places secrets and configures Environments (the App cannot). */
function admin(world: BridgeWorld): Octokit {
  const { token } = addUser(world.twin, { login: "ada" });
  const repo = world.twin.world.repos[FULL.toLowerCase()];
  assert.ok(repo);
  repo.collaborators.ada = "admin";
  return new Octokit({ auth: token, baseUrl: world.twin.url });
}

export async function repositorySecret(world: BridgeWorld, name: string): Promise<void> {
  const octokit = admin(world);
  const { data: key } = await octokit.rest.actions.getRepoPublicKey({ owner: OWNER, repo: NAME });
  await octokit.rest.actions.createOrUpdateRepoSecret({
    owner: OWNER,
    repo: NAME,
    secret_name: name,
    encrypted_value: sealSecret(VALUES[name] ?? "value", key.key),
    key_id: key.key_id,
  });
}

export async function environment(
  world: BridgeWorld,
  options: { name: string; policy: "protected" | "custom" | "any"; secrets: string[] },
): Promise<void> {
  const octokit = admin(world);
  await octokit.rest.repos.createOrUpdateEnvironment({
    owner: OWNER,
    repo: NAME,
    environment_name: options.name,
    deployment_branch_policy:
      options.policy === "any"
        ? null
        : {
            protected_branches: options.policy === "protected",
            custom_branch_policies: options.policy === "custom",
          },
  });
  const { data: key } = await octokit.rest.actions.getEnvironmentPublicKey({
    owner: OWNER,
    repo: NAME,
    environment_name: options.name,
  });
  for (const name of options.secrets) {
    await octokit.rest.actions.createOrUpdateEnvironmentSecret({
      owner: OWNER,
      repo: NAME,
      environment_name: options.name,
      secret_name: name,
      encrypted_value: sealSecret(VALUES[name] ?? "value", key.key),
      key_id: key.key_id,
    });
  }
}
