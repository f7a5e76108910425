// Every handler group of the GitHub twin. A new group registers here and nowhere else.
import { registryRoutes } from "../registry.ts";
import type { GithubTwin } from "../twin.ts";
import { registerWebhooks } from "../webhooks.ts";
import { actionExtraRoutes, actionHandlers } from "./actions.ts";
import { appHandlers } from "./apps.ts";
import { checkHandlers } from "./checks.ts";
import { deploymentHandlers } from "./deployments.ts";
import { environmentVariableHandlers } from "./environment-variables.ts";
import { environmentHandlers } from "./environments.ts";
import { issueHandlers } from "./issues.ts";
import { packageHandlers } from "./packages.ts";
import { pullHandlers, registerPulls } from "./pulls.ts";
import { repoHandlers } from "./repos.ts";
import { secretHandlers } from "./secrets.ts";
import { variableHandlers } from "./variables.ts";

export function registerAll(twin: GithubTwin): GithubTwin {
  registerWebhooks(twin);
  registerPulls(twin);
  twin.use(appHandlers).use(checkHandlers).use(deploymentHandlers).use(environmentHandlers);
  twin.use(secretHandlers).use(variableHandlers).use(packageHandlers);
  twin.use(environmentVariableHandlers);
  twin.use(actionHandlers, actionExtraRoutes(twin));
  twin.use({}, registryRoutes(twin));
  return twin.use(repoHandlers).use(issueHandlers).use(pullHandlers);
}
