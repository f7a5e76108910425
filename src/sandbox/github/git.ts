// Git data for the twin: content-addressed blobs, flat trees and commits with real SHA-1 object ids for blobs,
// so a blob's sha matches what `git hash-object` prints; trees and commits hash a canonical form instead.
import { createHash } from "node:crypto";
import type { GitBlob, GitCommit, GitTree, Repo } from "./state.ts";

export interface Signature {
  name: string;
  email: string;
  date: string;
  login?: string;
}

export function writeBlob(repo: Repo, content: Buffer | string): string {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  const sha = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
  repo.objects[sha] ??= { type: "blob", sha, content: bytes.toString("base64"), size: bytes.length };
  return sha;
}

export function writeTree(repo: Repo, entries: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const sha = createHash("sha1")
    .update(`tree ${JSON.stringify(sorted)}`)
    .digest("hex");
  repo.objects[sha] ??= { type: "tree", sha, entries: sorted };
  return sha;
}

export function writeCommit(repo: Repo, commit: Omit<GitCommit, "type" | "sha">): string {
  const sha = createHash("sha1")
    .update(`commit ${JSON.stringify(commit)}`)
    .digest("hex");
  repo.objects[sha] ??= { type: "commit", sha, ...commit };
  return sha;
}

export function getCommit(repo: Repo, sha: string): GitCommit | undefined {
  const object = repo.objects[sha];
  return object?.type === "commit" ? object : undefined;
}

export function getTree(repo: Repo, sha: string): GitTree | undefined {
  const object = repo.objects[sha];
  return object?.type === "tree" ? object : undefined;
}

export function getBlob(repo: Repo, sha: string): GitBlob | undefined {
  const object = repo.objects[sha];
  return object?.type === "blob" ? object : undefined;
}

/** A branch name, `heads/x`, `refs/heads/x`, a tag, or a full or abbreviated commit sha → commit sha. */
export function resolveRef(repo: Repo, ref: string): string | undefined {
  const candidates = [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const sha = repo.refs[name];
    if (sha) return sha;
  }
  if (/^[0-9a-f]{7,40}$/.test(ref)) {
    if (getCommit(repo, ref)) return ref;
    const found = Object.keys(repo.objects).filter((sha) => sha.startsWith(ref) && getCommit(repo, sha));
    if (found.length === 1) return found[0];
  }
  return undefined;
}

export function filesAt(repo: Repo, commitSha: string): Record<string, string> {
  const commit = getCommit(repo, commitSha);
  if (!commit) return {};
  return getTree(repo, commit.tree)?.entries ?? {};
}

export function readFileAt(repo: Repo, commitSha: string, path: string): Buffer | undefined {
  const blobSha = filesAt(repo, commitSha)[path];
  const blob = blobSha ? getBlob(repo, blobSha) : undefined;
  return blob ? Buffer.from(blob.content, "base64") : undefined;
}

/** The entries directly under a directory ("" for the root): files and sub-directories. */
export function listDirectory(
  repo: Repo,
  commitSha: string,
  dir: string,
): { name: string; path: string; type: "file" | "dir"; sha: string }[] | undefined {
  const prefix = dir === "" ? "" : `${dir.replace(/\/+$/, "")}/`;
  const seen = new Map<string, { name: string; path: string; type: "file" | "dir"; sha: string }>();
  for (const [path, sha] of Object.entries(filesAt(repo, commitSha))) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const [name, ...deeper] = rest.split("/");
    if (!name) continue;
    if (deeper.length === 0) seen.set(name, { name, path, type: "file", sha });
    else if (!seen.has(name)) {
      const subPath = `${prefix}${name}`;
      const subEntries = Object.fromEntries(
        Object.entries(filesAt(repo, commitSha)).filter(([p]) => p.startsWith(`${subPath}/`)),
      );
      seen.set(name, { name, path: subPath, type: "dir", sha: writeTree(repo, subEntries) });
    }
  }
  if (seen.size === 0 && prefix !== "") return undefined;
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Commits a change of files on top of a branch (creating the branch from `from` if it does not exist).
 * `files` maps a path to its new content, or to null to delete it.
 */
export function commitFiles(
  repo: Repo,
  change: {
    branch: string;
    files: Record<string, string | Buffer | null>;
    message: string;
    author: Signature;
    committer?: Signature;
    from?: string;
  },
): { before: string | null; after: string } {
  const ref = `refs/heads/${change.branch}`;
  const before = repo.refs[ref] ?? (change.from ? (resolveRef(repo, change.from) ?? null) : null);
  const entries = before ? { ...filesAt(repo, before) } : {};
  for (const [path, content] of Object.entries(change.files)) {
    if (content === null) delete entries[path];
    else entries[path] = writeBlob(repo, content);
  }
  const tree = writeTree(repo, entries);
  const after = writeCommit(repo, {
    tree,
    parents: before ? [before] : [],
    message: change.message,
    author: change.author,
    committer: change.committer ?? change.author,
  });
  repo.refs[ref] = after;
  return { before: repo.refs[ref] === after && before === null ? null : before, after };
}

/** Commits reachable from `head`, newest first, stopping at (and excluding) anything reachable from `stop`. */
export function commitsBetween(repo: Repo, options: { head: string; stop?: string }): GitCommit[] {
  const excluded = new Set<string>();
  const walk = (start: string | undefined, into: (c: GitCommit) => boolean) => {
    const queue = start ? [start] : [];
    while (queue.length > 0) {
      const commit = getCommit(repo, queue.shift() as string);
      if (!commit || !into(commit)) continue;
      queue.push(...commit.parents);
    }
  };
  walk(options.stop, (c) => {
    if (excluded.has(c.sha)) return false;
    excluded.add(c.sha);
    return true;
  });
  const out: GitCommit[] = [];
  const seen = new Set<string>();
  walk(options.head, (c) => {
    if (excluded.has(c.sha) || seen.has(c.sha)) return false;
    seen.add(c.sha);
    out.push(c);
    return true;
  });
  return out;
}
