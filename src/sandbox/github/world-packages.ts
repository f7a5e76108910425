// Seeding container images into the twin's GHCR packages, as a build workflow's `docker push` would: each
// version is a manifest digest carrying tags; a tag moves to the newest version that claims it.
import { createHash } from "node:crypto";
import type { PackageVersion, Repo } from "./state.ts";
import type { GithubTwin } from "./twin.ts";

export interface PublishImageOptions {
  owner: string;
  /** The package (image) name; may contain `/`. */
  packageName: string;
  tags: string[];
  /** `sha256:<64 hex>`; by default the sha256 of a generated OCI manifest. */
  digest?: string;
  /** `owner/name` of the repository the package is linked to; by default `<owner>/<first segment of packageName>`. */
  repo?: string;
}

/** Publishes (or re-tags) an image version and returns its digest. */
export function publishImage(twin: GithubTwin, options: PublishImageOptions): string {
  const repoName = options.repo ?? `${options.owner}/${options.packageName.split("/")[0]}`;
  const repo: Repo | undefined = twin.repoByName(repoName);
  if (!repo)
    throw new Error(`publishImage: no repository ${repoName} to link package ${options.packageName} to`);
  if (repo.ownerLogin.toLowerCase() !== options.owner.toLowerCase()) {
    throw new Error(`publishImage: ${repoName} is not owned by ${options.owner}`);
  }
  const digest =
    options.digest ?? `sha256:${createHash("sha256").update(manifestBytes(twin, options)).digest("hex")}`;
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new Error(`publishImage: ${digest} is not a sha256 digest`);
  const versions = repo.packages[options.packageName] ?? [];
  repo.packages[options.packageName] = versions;
  const now = twin.now();
  for (const other of versions) other.tags = other.tags.filter((tag) => !options.tags.includes(tag));
  const existing = versions.find((v) => v.name === digest);
  if (existing) {
    existing.tags = [...new Set([...existing.tags, ...options.tags])];
    existing.updatedAt = now;
  } else {
    const version: PackageVersion = {
      id: twin.nextId(),
      name: digest,
      tags: [...options.tags],
      createdAt: now,
      updatedAt: now,
    };
    versions.push(version);
  }
  return digest;
}

/** The digest a tag currently points at, read from state (what `docker buildx imagetools inspect` would say). */
export function imageDigest(
  twin: GithubTwin,
  options: { repo: string; packageName: string; tag: string },
): string | undefined {
  return twin
    .repoByName(options.repo)
    ?.packages[options.packageName]?.find((v) => v.tags.includes(options.tag))?.name;
}

/** A minimal OCI image manifest, unique per publish (its config digest covers the name, tags and an id). */
function manifestBytes(twin: GithubTwin, options: PublishImageOptions): Buffer {
  const config = createHash("sha256")
    .update(
      JSON.stringify({
        owner: options.owner,
        name: options.packageName,
        tags: options.tags,
        n: twin.nextId(),
      }),
    )
    .digest("hex");
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${config}`, size: 2 },
    layers: [],
  };
  return Buffer.from(JSON.stringify(manifest));
}
