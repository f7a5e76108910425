// Opens the one onboarding PR (the adapter around detect and generate): idempotent, so `installation` and
// `/devops init` may both call it, any number of times, from any App instance. GitHub is the state: an open
// PR from ONBOARDING_BRANCH means it was opened; `.devops/deploy.yml` on the default branch means the
// repository is set up. All files land in one commit through the git data API.
import type { ProbotOctokit } from "probot";
import { CONFIG_PATH } from "../../config/schema.ts";
import { ONBOARDING_BRANCH } from "../names.ts";
import { detect, filesToRead } from "./detect.ts";
import { onboardingProposal } from "./generate.ts";

export type OnboardingOctokit = InstanceType<typeof ProbotOctokit>;

export interface OnboardingLog {
  info(message: string): void;
}

export interface OnboardingResult {
  /** The onboarding PR's number; null when the repository is already set up. */
  number: number | null;
  created: boolean;
  reason: "opened" | "open-pull-request-exists" | "already-configured";
}

export async function openOnboardingPr(options: {
  octokit: OnboardingOctokit;
  owner: string;
  repo: string;
  log: OnboardingLog;
  /** The `uses:` of our Action in the dispatch workflow (defaults to the release pin). */
  actionRef?: string;
  /** The App's public URL for the dispatch workflow's `app-url`. */
  appUrl?: string;
}): Promise<OnboardingResult> {
  const { octokit, owner, repo, log } = options;
  const existing = await openOnboardingPull(options);
  if (existing !== undefined) {
    log.info(`${owner}/${repo}: onboarding PR #${existing} is already open`);
    return { number: existing, created: false, reason: "open-pull-request-exists" };
  }
  const { data: repository } = await octokit.rest.repos.get({ owner, repo });
  const defaultBranch = repository.default_branch;
  const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${defaultBranch}` });
  const headSha = ref.object.sha;
  const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: headSha });
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: commit.tree.sha,
    recursive: "true",
  });
  const blobs = tree.tree.filter((e) => e.type === "blob" && e.path !== undefined && e.sha !== undefined);
  if (blobs.some((e) => e.path === CONFIG_PATH)) {
    log.info(`${owner}/${repo}: ${CONFIG_PATH} exists on ${defaultBranch}; no onboarding PR`);
    return { number: null, created: false, reason: "already-configured" };
  }

  const wanted = new Set(
    filesToRead(
      blobs.map((e) => ({ path: e.path as string, ...(e.size !== undefined ? { size: e.size } : {}) })),
    ),
  );
  const files: Record<string, string> = {};
  await Promise.all(
    blobs
      .filter((e) => wanted.has(e.path as string))
      .map(async (e) => {
        const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: e.sha as string });
        files[e.path as string] = Buffer.from(
          data.content,
          data.encoding === "base64" ? "base64" : "utf8",
        ).toString("utf8");
      }),
  );
  const proposal = onboardingProposal({
    detection: detect({ owner, repo, files }),
    defaultBranch,
    ...(options.actionRef ? { actionRef: options.actionRef } : {}),
    ...(options.appUrl ? { appUrl: options.appUrl } : {}),
  });

  const { data: newTree } = await octokit.rest.git.createTree({
    owner,
    repo,
    base_tree: commit.tree.sha,
    tree: Object.entries(proposal.files).map(([path, content]) => ({
      path,
      mode: "100644" as const,
      type: "blob" as const,
      content,
    })),
  });
  const { data: newCommit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: `${proposal.title}\n\nProposed by devops-agent: deploy config, policy, workflows and the domain issue form.`,
    tree: newTree.sha,
    parents: [headSha],
  });
  await pointBranch({ octokit, owner, repo, sha: newCommit.sha });
  try {
    const { data: pull } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: ONBOARDING_BRANCH,
      base: defaultBranch,
      title: proposal.title,
      body: proposal.body,
    });
    log.info(`${owner}/${repo}: opened onboarding PR #${pull.number}`);
    return { number: pull.number, created: true, reason: "opened" };
  } catch (error) {
    // A concurrent delivery opened it between our check and now: that PR is the one.
    const raced = await openOnboardingPull(options);
    if (status(error) === 422 && raced !== undefined)
      return { number: raced, created: false, reason: "open-pull-request-exists" };
    throw error;
  }
}

async function openOnboardingPull(options: {
  octokit: OnboardingOctokit;
  owner: string;
  repo: string;
}): Promise<number | undefined> {
  const { octokit, owner, repo } = options;
  const { data } = await octokit.rest.pulls.list({
    owner,
    repo,
    state: "open",
    head: `${owner}:${ONBOARDING_BRANCH}`,
    per_page: 1,
  });
  return data[0]?.number;
}

/** Creates the branch, or moves a leftover one (from a closed onboarding PR) to the new commit. */
async function pointBranch(options: {
  octokit: OnboardingOctokit;
  owner: string;
  repo: string;
  sha: string;
}): Promise<void> {
  const { octokit, owner, repo, sha } = options;
  try {
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${ONBOARDING_BRANCH}`, sha });
  } catch (error) {
    if (status(error) !== 422) throw error;
    await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${ONBOARDING_BRANCH}`, sha, force: true });
  }
}

function status(error: unknown): number | undefined {
  const value = (error as { status?: unknown } | null)?.status;
  return typeof value === "number" ? value : undefined;
}
