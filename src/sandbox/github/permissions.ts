// Which GitHub App permission each operation needs, as GitHub documents per endpoint
// ("Fine-grained access" on each REST page). Installation and run tokens are checked against it; users by role.
import type { GithubOperationId } from "./operations.ts";
import type { PermissionLevel } from "./state.ts";

export type Requirement = "app-jwt" | "none" | [permission: string, level: PermissionLevel];

const APP_JWT: GithubOperationId[] = [
  "apps/get-authenticated",
  "apps/list-installations",
  "apps/get-installation",
  "apps/get-repo-installation",
  "apps/create-installation-access-token",
];

const BY_PREFIX: [prefix: string, permission: string][] = [
  ["repos/get-collaborator-permission-level", "metadata"],
  ["repos/get-all-environments", "actions"],
  ["repos/get-environment", "actions"],
  ["repos/create-or-update-environment", "administration"],
  ["repos/create-deployment", "deployments"],
  ["repos/list-deployment", "deployments"],
  ["repos/get-deployment", "deployments"],
  ["repos/", "contents"],
  ["git/", "contents"],
  ["pulls/", "pull_requests"],
  ["issues/", "issues"],
  ["checks/", "checks"],
  ["actions/get-environment", "environments"],
  ["actions/list-environment", "environments"],
  ["actions/create-or-update-environment", "environments"],
  ["actions/delete-environment", "environments"],
  ["actions/", "actions"],
  ["packages/", "packages"],
];

export function requiredPermission(
  operationId: GithubOperationId,
  method: string,
  params: Record<string, string> = {},
): Requirement {
  if (APP_JWT.includes(operationId)) return "app-jwt";
  if (operationId === "rate-limit/get" || operationId === "apps/list-repos-accessible-to-installation")
    return "none";
  const level: PermissionLevel = method === "GET" ? "read" : "write";
  if (operationId === "repos/get" || operationId === "repos/get-collaborator-permission-level")
    return ["metadata", "read"];
  if (
    /secret|public-key/.test(operationId) &&
    operationId.startsWith("actions/") &&
    !operationId.includes("environment")
  ) {
    return ["secrets", level];
  }
  // An Environment's variables, like its secrets, are under the environments permission.
  if (operationId.startsWith("actions/") && operationId.includes("environment-variable"))
    return ["environments", level];
  if (operationId.startsWith("actions/") && operationId.includes("variable"))
    return ["actions_variables", level];
  // Writing a workflow file needs the workflows permission on top of contents.
  if (
    (operationId === "repos/create-or-update-file-contents" || operationId === "repos/delete-file") &&
    (params.path ?? "").startsWith(".github/workflows/")
  ) {
    return ["workflows", "write"];
  }
  for (const [prefix, permission] of BY_PREFIX) {
    if (operationId.startsWith(prefix)) return [permission, level];
  }
  throw new Error(`no permission mapping for ${operationId}`);
}
