// Who "we" are: the App's bot login, asked of GitHub (GET /app, which Probot's Octokit answers with the App's
// JWT on its own). Comments count as ours only when written by that login as a Bot: anyone can paste our
// marker into a comment of their own.
import type { TriageOctokit } from "./types.ts";

export async function appBotLogin(octokit: TriageOctokit, slug?: string): Promise<string> {
  if (slug) return `${slug}[bot]`;
  const { data } = await octokit.rest.apps.getAuthenticated();
  if (!data?.slug) throw new Error("GET /app returned no slug");
  return `${data.slug}[bot]`;
}

export function writtenBy(
  comment: { user?: { login: string; type?: string } | null },
  botLogin: string,
): boolean {
  return comment.user?.login === botLogin && comment.user.type === "Bot";
}
