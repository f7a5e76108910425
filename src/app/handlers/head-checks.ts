// Which check runs a handler reads for a head commit: our App's own (by its id), with what the store refuses
// logged as the handler's warnings. The current plan (`/approve`, `/devops status`) and the recorded undo
// (`/devops rollback`) are both read this way, so all three trust the same check runs.
import type { GithubApi, StoreLogger } from "../plan-store.ts";
import type { CommandContext } from "./context.ts";

/** The options readPlanCheck and readUndo take for this repository's head commit `headSha`. */
export function ourChecksOn(
  ctx: CommandContext,
  headSha: string,
): { octokit: GithubApi; owner: string; repo: string; headSha: string; appId: number; log: StoreLogger } {
  const { owner, repo } = ctx.repository;
  return {
    octokit: ctx.octokit,
    owner,
    repo,
    headSha,
    appId: ctx.app.id,
    log: { warn: (message) => ctx.log.warn(message) },
  };
}
