// Opens the fix pull request: one commit through the git data API on a new branch `devops-agent/fix-<run-id>`,
// into the branch the failure happened on. Idempotent: an open PR from that branch is the answer to a repeat.
import type { TriageOctokit } from "./types.ts";
import { httpStatus } from "./types.ts";

export const FIX_BRANCH_PREFIX = "devops-agent/fix-";

export async function openFixPullRequest(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  runId: number;
  base: { branch: string; sha: string };
  changes: Record<string, string>;
  title: string;
  body: string;
}): Promise<{ number: number; htmlUrl: string; created: boolean }> {
  const { octokit, owner, repo, base } = options;
  const branch = `${FIX_BRANCH_PREFIX}${options.runId}`;
  const open = await octokit.rest.pulls.list({
    owner,
    repo,
    state: "open",
    head: `${owner}:${branch}`,
    per_page: 1,
  });
  const existing = open.data[0];
  if (existing) return { number: existing.number, htmlUrl: existing.html_url, created: false };

  const { data: parent } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: base.sha });
  const { data: tree } = await octokit.rest.git.createTree({
    owner,
    repo,
    base_tree: parent.tree.sha,
    tree: Object.entries(options.changes).map(([path, content]) => ({
      path,
      mode: "100644" as const,
      type: "blob" as const,
      content,
    })),
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: `${options.title}\n\nProposed by devops-agent for failed workflow run ${options.runId}.`,
    tree: tree.sha,
    parents: [base.sha],
  });
  try {
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  } catch (error) {
    // A leftover branch from a closed fix PR: point it at the new commit.
    if (httpStatus(error) !== 422) throw error;
    await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.sha, force: true });
  }
  const { data: pull } = await octokit.rest.pulls.create({
    owner,
    repo,
    head: branch,
    base: base.branch,
    title: options.title,
    body: options.body,
  });
  return { number: pull.number, htmlUrl: pull.html_url, created: true };
}
