// Every handler group of the GitHub twin. A new group registers here and nowhere else.
import type { GithubTwin } from "../twin.ts";
import { issueHandlers } from "./issues.ts";
import { pullHandlers, registerPulls } from "./pulls.ts";
import { repoHandlers } from "./repos.ts";
import { registerWebhooks } from "../webhooks.ts";

export function registerAll(twin: GithubTwin): GithubTwin {
  registerWebhooks(twin);
  registerPulls(twin);
  return twin.use(repoHandlers).use(issueHandlers).use(pullHandlers);
}
