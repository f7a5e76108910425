// What the onboarding PR can tell about a repository from a few of its files on the default branch. Pure:
// the adapter reads the files (bounded by `filesToRead`), this reads the text. Every value carries the file
// and line it came from and whether it is a guess, so the PR can say why it proposes what it proposes.

export interface Evidence {
  file: string;
  line: number;
}

export interface Detected<T> {
  value: T;
  /** Where the value was read; undefined for values derived from the repository's name. */
  evidence: Evidence | undefined;
  /** True when the value is inferred (a user should check it), false when it follows from facts. */
  guess: boolean;
  /** Why, in a few words: "Dockerfile EXPOSE", "pnpm-lock.yaml". */
  source: string;
}

export type PackageManagerName = "pnpm" | "npm" | "yarn";

export interface PackageManager {
  name: PackageManagerName;
  /** The lockfile that names it, when there is one. */
  lockfile: string | undefined;
  /** pnpm-lock.yaml's lockfileVersion, package-lock.json's lockfileVersion, yarn.lock's __metadata.version. */
  lockfileVersion: string | undefined;
  /** package.json's `packageManager` field, e.g. pnpm@10.12.1. */
  declared: string | undefined;
}

export interface Detection {
  owner: string;
  repo: string;
  /** The application's name at the providers: the repository name, as the schema allows it. */
  appName: string;
  image: Detected<string>;
  port: Detected<number> | undefined;
  /** `ENV PORT=…` in the Dockerfile: the image already tells the app which port to use. */
  dockerfileSetsPort: boolean;
  /** `process.env.PORT` read somewhere in the source. */
  readsPortEnv: Detected<true> | undefined;
  packageManager: Detected<PackageManager> | undefined;
  health: Detected<string> | undefined;
  /** A workflow that already pushes to ghcr.io: then we do not propose ours. */
  buildWorkflow: Detected<string> | undefined;
  /** package.json's name (untrusted text: quote it only through the Markdown helpers). */
  packageName: string | undefined;
}

/** How many source files detection reads at most: onboarding must stay cheap on a large repository. */
export const MAX_SOURCE_FILES = 40;
/** Files larger than this are not worth reading for a route string. */
export const MAX_SOURCE_BYTES = 200_000;

const FIXED_FILES = [
  "Dockerfile",
  "package.json",
  "pnpm-lock.yaml",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
];
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?)$/;
const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const SKIP_DIR = /(^|\/)(node_modules|dist|build|coverage|vendor|\.next|test|tests|__tests__)\//;

/**
 * Which of the default branch's files detection needs: the fixed ones that exist, the workflows, and at most
 * `max` source files under src/ (or the repository root), shallowest first.
 */
export function filesToRead(
  entries: { path: string; size?: number }[],
  max: number = MAX_SOURCE_FILES,
): string[] {
  const paths = new Set(entries.map((e) => e.path));
  const fixed = FIXED_FILES.filter((p) => paths.has(p));
  const workflows = entries.filter((e) => WORKFLOW_FILE.test(e.path)).map((e) => e.path);
  const sources = entries
    .filter(
      (e) =>
        SOURCE_FILE.test(e.path) &&
        !SKIP_DIR.test(e.path) &&
        !/\.(test|spec|d)\.[cm]?[jt]sx?$/.test(e.path) &&
        (e.size ?? 0) <= MAX_SOURCE_BYTES &&
        (e.path.startsWith("src/") || !e.path.includes("/")),
    )
    .map((e) => e.path)
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b))
    .slice(0, max);
  return [...fixed, ...workflows.sort(), ...sources];
}

export function detect(input: { owner: string; repo: string; files: Record<string, string> }): Detection {
  const { owner, repo, files } = input;
  const dockerfile = files.Dockerfile;
  const expose = dockerfile === undefined ? undefined : dockerInstruction(dockerfile, /^EXPOSE\s+(\d+)/i);
  const envPort =
    dockerfile === undefined ? undefined : dockerInstruction(dockerfile, /^ENV\s+PORT(?:=|\s+)["']?(\d+)/i);
  const sources = Object.entries(files).filter(([path]) => SOURCE_FILE.test(path));
  const portRead = findInSources(sources, /process\.env\.PORT\b|process\.env\[["']PORT["']\]/);
  const portDefault = findInSources(
    sources,
    /process\.env\.PORT\s*(?:\?\?|\|\|)\s*["']?(\d{2,5})\b|Number\(process\.env\.PORT\s*(?:\?\?|\|\|)\s*["']?(\d{2,5})/,
  );

  let port: Detected<number> | undefined;
  if (expose)
    port = { value: expose.value, evidence: expose.evidence, guess: true, source: "Dockerfile EXPOSE" };
  else if (envPort)
    port = { value: envPort.value, evidence: envPort.evidence, guess: true, source: "Dockerfile ENV PORT" };
  else if (portDefault) {
    const value = Number(portDefault.match[1] ?? portDefault.match[2]);
    port = { value, evidence: portDefault.evidence, guess: true, source: "the PORT default in the source" };
  }
  if (port && !(port.value >= 1 && port.value <= 65535)) port = undefined;

  const buildWorkflow = findBuildWorkflow(files);
  const image = `ghcr.io/${owner.toLowerCase()}/${repo.toLowerCase()}`;
  return {
    owner,
    repo,
    appName: appNameFor(repo),
    image: buildWorkflow
      ? {
          value: image,
          evidence: buildWorkflow.evidence,
          guess: true,
          source: "the usual GHCR name; check the tags your build workflow pushes",
        }
      : {
          value: image,
          evidence: undefined,
          guess: false,
          source: "the image the proposed build workflow pushes",
        },
    port,
    dockerfileSetsPort: envPort !== undefined,
    readsPortEnv: portRead
      ? { value: true, evidence: portRead.evidence, guess: false, source: "process.env.PORT" }
      : undefined,
    packageManager: detectPackageManager(files),
    health: detectHealth(sources),
    buildWorkflow,
    packageName: packageJson(files)?.name,
  };
}

/** The repository name as the schema's app name allows it: lower-case letters, digits and -, ≤ 63. */
export function appNameFor(repo: string): string {
  const name = repo
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name === "" ? "app" : name;
}

function dockerInstruction(text: string, pattern: RegExp): { value: number; evidence: Evidence } | undefined {
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const match = pattern.exec(line.trim());
    if (match) return { value: Number(match[1]), evidence: { file: "Dockerfile", line: index + 1 } };
  }
  return undefined;
}

function findInSources(
  sources: [string, string][],
  pattern: RegExp,
): { match: RegExpExecArray; evidence: Evidence } | undefined {
  for (const [file, text] of sources) {
    for (const [index, line] of text.split(/\r?\n/).entries()) {
      const match = pattern.exec(line);
      if (match) return { match, evidence: { file, line: index + 1 } };
    }
  }
  return undefined;
}

const HEALTH_ROUTES = ["/healthz", "/health", "/api/health", "/_health"];

/** A health route written as a string literal (a route, not a word in a comment), in a stable preference. */
function detectHealth(sources: [string, string][]): Detected<string> | undefined {
  for (const route of HEALTH_ROUTES) {
    const escaped = route.replace(/[/]/g, "\\/");
    const found = findInSources(sources, new RegExp(`(["'\`])${escaped}\\1`));
    if (found) return { value: route, evidence: found.evidence, guess: true, source: "a route string" };
  }
  return undefined;
}

interface PackageJson {
  name?: string;
  packageManager?: string;
}

function packageJson(files: Record<string, string>): PackageJson | undefined {
  const text = files["package.json"];
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { name, packageManager } = parsed as Record<string, unknown>;
    return {
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof packageManager === "string" ? { packageManager } : {}),
    };
  } catch {
    return undefined;
  }
}

function lineOf(text: string, pattern: RegExp): number {
  const index = text.split(/\r?\n/).findIndex((line) => pattern.test(line));
  return index < 0 ? 1 : index + 1;
}

function detectPackageManager(files: Record<string, string>): Detected<PackageManager> | undefined {
  const pkg = packageJson(files);
  const declared = pkg?.packageManager;
  const pnpm = files["pnpm-lock.yaml"];
  if (pnpm !== undefined) {
    const version = /^lockfileVersion:\s*['"]?([^'"\s]+)/m.exec(pnpm)?.[1];
    return lockfileResult("pnpm", "pnpm-lock.yaml", version, declared, lineOf(pnpm, /^lockfileVersion:/));
  }
  for (const lockfile of ["package-lock.json", "npm-shrinkwrap.json"]) {
    const npm = files[lockfile];
    if (npm === undefined) continue;
    const version = /"lockfileVersion"\s*:\s*(\d+)/.exec(npm)?.[1];
    return lockfileResult("npm", lockfile, version, declared, lineOf(npm, /"lockfileVersion"/));
  }
  const yarn = files["yarn.lock"];
  if (yarn !== undefined) {
    // Yarn berry writes __metadata.version; classic writes a "yarn lockfile v1" header.
    const version = /^\s+version:\s*(\d+)/m.exec(yarn)?.[1] ?? /yarn lockfile v(\d+)/.exec(yarn)?.[1];
    return lockfileResult("yarn", "yarn.lock", version, declared, 1);
  }
  const field = declared ? /^(pnpm|npm|yarn)@/.exec(declared)?.[1] : undefined;
  if (field && files["package.json"] !== undefined) {
    return {
      value: {
        name: field as PackageManagerName,
        lockfile: undefined,
        lockfileVersion: undefined,
        declared,
      },
      evidence: { file: "package.json", line: lineOf(files["package.json"], /"packageManager"/) },
      guess: false,
      source: "package.json packageManager",
    };
  }
  return undefined;
}

function lockfileResult(
  name: PackageManagerName,
  lockfile: string,
  lockfileVersion: string | undefined,
  declared: string | undefined,
  line: number,
): Detected<PackageManager> {
  return {
    value: { name, lockfile, lockfileVersion, declared },
    evidence: { file: lockfile, line },
    guess: false,
    source: lockfile,
  };
}

/**
 * A workflow that pushes images to ghcr.io: docker/build-push-action with `push: true` in a workflow that
 * mentions ghcr.io, or a `docker push ghcr.io/…` command.
 */
function findBuildWorkflow(files: Record<string, string>): Detected<string> | undefined {
  const workflows = Object.entries(files)
    .filter(([path]) => WORKFLOW_FILE.test(path))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [file, text] of workflows) {
    const lines = text.split(/\r?\n/);
    const dockerPush = lines.findIndex((l) => /docker\s+push\s+["']?ghcr\.io\//i.test(l));
    if (dockerPush >= 0)
      return { value: file, evidence: { file, line: dockerPush + 1 }, guess: false, source: "docker push" };
    const action = lines.findIndex((l) => /uses:\s*["']?docker\/build-push-action@/.test(l));
    const pushes = lines.some((l) => /^\s*push:\s*["']?true\b/.test(l));
    if (action >= 0 && pushes && /ghcr\.io/i.test(text)) {
      return {
        value: file,
        evidence: { file, line: action + 1 },
        guess: false,
        source: "docker/build-push-action with push: true",
      };
    }
  }
  return undefined;
}
