// Who may do what, from the one source GitHub keeps for it: the collaborator permission API's
// `user.permissions` booleans. Never `author_association` (it says how someone relates to the thread, not what
// they may do) and never `role_name` (free text: custom roles have any name).
import type { GithubApi } from "../plan-store.ts";
import { httpStatus } from "./http-status.ts";

export type Access = "admin" | "maintain" | "push" | "triage" | "pull" | "none";

const ORDER: Access[] = ["none", "pull", "triage", "push", "maintain", "admin"];

export function atLeast(access: Access, wanted: Access): boolean {
  return ORDER.indexOf(access) >= ORDER.indexOf(wanted);
}

export async function getAccess(options: {
  octokit: GithubApi;
  owner: string;
  repo: string;
  login: string;
}): Promise<Access> {
  const { octokit, owner, repo, login } = options;
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: login,
    });
    return accessFrom(data.user?.permissions);
  } catch (error) {
    // 404: not a user, or no access to a private repository. Either way: nothing.
    if (httpStatus(error) === 404) return "none";
    throw error;
  }
}

/** The highest level the booleans grant; anything missing counts as not granted (fail closed). */
export function accessFrom(permissions: Partial<Record<string, boolean>> | undefined): Access {
  if (!permissions) return "none";
  for (const level of [...ORDER].reverse()) {
    if (level !== "none" && permissions[level] === true) return level;
  }
  return "none";
}
