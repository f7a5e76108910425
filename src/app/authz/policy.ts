// Policy is read from the default branch only (DESIGN rule 3): who approves, solo-maintainer mode, allowed
// zones, provider URLs and bots. A pull request that changes .devops/policy.yml changes nothing until merged;
// otherwise it could enable its own approval or point a provider URL at a host of its own.
import { ConfigError, parsePolicy } from "../../config/load.ts";
import { POLICY_PATH, type Policy } from "../../config/schema.ts";
import type { GithubApi } from "../plan-store.ts";
import { httpStatus } from "./http-status.ts";

export const DEFAULT_POLICY: Policy = parsePolicy("version: 1\n");

/** A file's text and blob sha at a ref; undefined when it does not exist there. */
export async function readFileAt(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  path: string;
  ref: string;
}): Promise<{ text: string; sha: string } | undefined> {
  const { octokit, owner, repo, path, ref } = options;
  try {
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
    return { text: Buffer.from(data.content, "base64").toString("utf8"), sha: data.sha };
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}

export type PolicyResult = { ok: true; policy: Policy; sha?: string } | { ok: false; error: ConfigError };

/** The policy on the default branch: the defaults when there is none; an invalid one is an error, never ignored. */
export async function loadPolicy(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  defaultBranch: string;
}): Promise<PolicyResult> {
  const file = await readFileAt({ ...options, path: POLICY_PATH, ref: options.defaultBranch });
  if (!file) return { ok: true, policy: DEFAULT_POLICY };
  try {
    return { ok: true, policy: parsePolicy(file.text), sha: file.sha };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}
