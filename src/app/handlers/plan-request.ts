// Who asked for a plan, and how: the plan's check run (which only our App can write) links, as its details URL,
// to the `/devops plan|deploy|rollback` comment that requested it. The comment's author is the requester; its body says
// whether approval was asked for. An edited request proves nothing and is treated as no request.

import { httpStatus } from "../authz/http-status.ts";
import { parseCommand } from "../commands/parse.ts";
import type { GithubApi } from "../plan-store.ts";
import type { RepoFacts } from "./context.ts";

export interface PlanRequest {
  requester: string;
  /** `deploy` asks for approval; a `/devops rollback` does too, exactly like a deploy (`rollback` says which). */
  mode: "plan" | "deploy";
  commentId: number;
  rollback?: boolean;
}

export async function planRequest(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  checkRunId: number;
  issueNumber: number;
}): Promise<PlanRequest | undefined> {
  const { octokit, repository, checkRunId, issueNumber } = options;
  const { owner, repo } = repository;
  const { data: run } = await octokit.rest.checks.get({ owner, repo, check_run_id: checkRunId });
  const id = /#issuecomment-(\d+)$/.exec(run.details_url ?? "")?.[1];
  if (!id) return undefined;
  try {
    const { data: comment } = await octokit.rest.issues.getComment({ owner, repo, comment_id: Number(id) });
    if (!comment.issue_url.endsWith(`/issues/${issueNumber}`)) return undefined;
    if (comment.updated_at !== comment.created_at || !comment.user) return undefined;
    const parsed = parseCommand(comment.body ?? "");
    if (parsed.kind !== "command") return undefined;
    const name = parsed.command.name;
    if (name === "rollback") {
      return { requester: comment.user.login, mode: "deploy", commentId: comment.id, rollback: true };
    }
    if (name !== "plan" && name !== "deploy") return undefined;
    return { requester: comment.user.login, mode: name, commentId: comment.id };
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}
