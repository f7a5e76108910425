// The pull request a run belongs to, by its head commit: a fork's run lists no pull requests, so its
// `pull_requests` field is never relied on (DESIGN authorization rule 7).
import type { TriageOctokit } from "./types.ts";

export async function pullForSha(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  sha: string;
}): Promise<number | undefined> {
  const { octokit, owner, repo, sha } = options;
  const pulls = await octokit.paginate(octokit.rest.pulls.list, {
    owner,
    repo,
    state: "open",
    per_page: 100,
  });
  return pulls.filter((p) => p.head.sha === sha).sort((a, b) => a.number - b.number)[0]?.number;
}
