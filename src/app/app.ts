// The devops-agent GitHub App: Probot handlers that translate events into kernel calls.
// Issue #3 grows this into the full plan → approve → dispatch loop; today it answers `/devops help`.
import type { Probot } from "probot";
import { registerOnboarding } from "./onboarding/index.ts";

export const HELP = [
  "**devops-agent** commands (comment them on a pull request):",
  "",
  "- `/devops help`: this list",
  "- `/devops plan`: plan a deploy of this PR's head commit, read-only",
  "- `/devops deploy [env]`: plan and ask for approval",
  "- `/approve [hash-prefix]`: a maintainer approves the current plan",
  "- `/cancel`: cancel a pending plan",
].join("\n");

export function devopsAgentApp(app: Probot): void {
  registerOnboarding(app);
  app.on("issue_comment.created", async (context) => {
    if (context.isBot) return;
    const body = context.payload.comment.body.trim();
    if (!/^\/devops help\b/.test(body)) return;
    await context.octokit.rest.issues.createComment(context.issue({ body: HELP }));
  });
}
