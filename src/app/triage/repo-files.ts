// Reads, at one commit, exactly the files a fix recipe asks for: the tree once (recursive), then each wanted
// blob. Read-only; the recipe itself stays a pure function of what is read here.
import type { FixInput, FixRecipe, TreeEntry } from "./fixes/index.ts";
import type { TriageOctokit } from "./types.ts";

const MAX_FILES = 300;

export async function filesForRecipe(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  sha: string;
  recipe: FixRecipe;
  workflowPath?: string;
}): Promise<FixInput["files"]> {
  const { octokit, owner, repo, sha, recipe } = options;
  const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: commit.tree.sha,
    recursive: "true",
  });
  const blobs = tree.tree.filter(
    (e): e is typeof e & { path: string; sha: string } => e.type === "blob" && !!e.path && !!e.sha,
  );
  const entries: TreeEntry[] = blobs.map((e) =>
    e.size === undefined ? { path: e.path } : { path: e.path, size: e.size },
  );
  const wanted = new Set(
    recipe
      .wants(entries, options.workflowPath ? { workflowPath: options.workflowPath } : {})
      .slice(0, MAX_FILES),
  );
  const files: Record<string, string> = {};
  for (const entry of blobs.filter((e) => wanted.has(e.path))) {
    const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: entry.sha });
    files[entry.path] = Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString(
      "utf8",
    );
  }
  return files;
}
