// Triage in the App: `workflow_run.completed` with a failing conclusion gets one read-only triage comment on
// its pull request (DESIGN authorization rule 1: it only reads and comments); `/devops triage` and
// `/devops fix` are exported for the command router.
import type { Probot } from "probot";
import { DISPATCH_WORKFLOW_PATH } from "../names.ts";
import { appBotLogin } from "./identity.ts";
import { pullForSha } from "./pull.ts";
import { triageRunInto } from "./triage-run.ts";
import { FAILED_CONCLUSIONS, type Fetch, runFacts } from "./types.ts";

export {
  type CommandOutcome,
  runFixCommand,
  runTriageCommand,
  type TriageCommandOptions,
} from "./commands.ts";
export { FIX_RECIPES, recipeFor } from "./fixes/index.ts";

export interface TriageDeps {
  /** For the token-less log downloads (tests pass a recording one). */
  fetch?: Fetch | undefined;
}

export function registerTriage(app: Probot, deps: TriageDeps = {}): void {
  app.on("workflow_run.completed", async (context) => {
    const payload = context.payload;
    const run = runFacts(payload.workflow_run);
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    const log = { info: (m: string) => context.log.info(m), warn: (m: string) => context.log.warn(m) };
    if (!FAILED_CONCLUSIONS.has(run.conclusion)) return;
    // Our own plan and apply runs report their outcome in the thread themselves (the Action does), so the
    // App does not triage them a second time.
    if (payload.workflow_run.path === DISPATCH_WORKFLOW_PATH) return;
    const octokit = context.octokit;
    // Fork runs list no pull requests, so the head commit is what finds the PR.
    const pull = await pullForSha({ octokit, owner, repo, sha: run.headSha });
    if (pull === undefined) {
      // A commit comment would be the place, but the GitHub twin does not implement commit comments, so
      // nothing is posted; the diagnosis stays available through `/devops triage <run-url>`.
      log.info(`run ${run.id}: no open pull request has head ${run.headSha}; no triage comment posted`);
      return;
    }
    const botLogin = await appBotLogin(octokit);
    await triageRunInto({
      octokit,
      owner,
      repo,
      run,
      issueNumber: pull,
      botLogin,
      fetch: deps.fetch ?? globalThis.fetch,
      log,
    });
  });
}
