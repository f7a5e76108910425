// A job's GITHUB_TOKEN permissions: the workflow's `permissions:` scopes mapped onto GitHub App permission
// names, as GitHub grants them. A job's own block replaces the workflow's; with neither, the restricted
// default (contents and packages read). `id-token` is not an API permission: it only unlocks OIDC.
import type { PermissionLevel } from "../state.ts";
import type { WorkflowPermissions } from "./workflow-file.ts";

const APP_PERMISSION: Record<string, string> = {
  "pull-requests": "pull_requests",
  "repository-projects": "repository_projects",
  "security-events": "security_events",
};

const RESTRICTED_DEFAULT: WorkflowPermissions = { contents: "read", packages: "read" };

export function effectivePermissions(
  workflow: WorkflowPermissions | undefined,
  job: WorkflowPermissions | undefined,
): WorkflowPermissions {
  return job ?? workflow ?? RESTRICTED_DEFAULT;
}

export function tokenPermissions(scopes: WorkflowPermissions): Record<string, PermissionLevel> {
  const granted: Record<string, PermissionLevel> = { metadata: "read" };
  for (const [scope, level] of Object.entries(scopes)) {
    if (scope === "id-token" || level === "none") continue;
    granted[APP_PERMISSION[scope] ?? scope] = level;
  }
  return granted;
}

export function mayRequestIdToken(scopes: WorkflowPermissions): boolean {
  return scopes["id-token"] === "write";
}
