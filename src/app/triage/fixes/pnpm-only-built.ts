// Recipe (a): pnpm skipped a dependency's build script. Allow that package's build where the project's pnpm
// reads the setting. The package name comes from the lockfile: pnpm's own "Ignored build scripts:" line only
// selects among packages pnpm-lock.yaml already holds, so a log line naming anything else is refused.
//
// Where the setting lives, by pnpm version (release notes, quoted in Renovate/Dependabot PRs):
// - 6.32.0 added `pnpm.onlyBuiltDependencies` to package.json (6.32.1 made it work).
// - 10.5.0: "The pnpm.* settings from package.json can now be specified in the pnpm-workspace.yaml file
//   instead" (pnpm/pnpm#9121); `pnpm approve-builds` writes there when that file exists (10.8.1, #9404).
// - 11.0 stops reading the package.json `pnpm` field; build approvals are the `allowBuilds` map in
//   pnpm-workspace.yaml (https://pnpm.io/blog/releases/11.0#breaking-changes).
import { Document, parseDocument, parse as parseYaml } from "yaml";
import type { Diagnosis } from "../../../triage/index.ts";
import { inlineCode } from "../../markdown.ts";
import { type FixInput, type FixOutcome, type FixRecipe, refuse } from "./types.ts";

const PACKAGE_JSON = "package.json";
const LOCKFILE = "pnpm-lock.yaml";
const WORKSPACE = "pnpm-workspace.yaml";
const DOCKERFILE = "Dockerfile";

/**
 * pnpm's own line, as it prints it: optionally behind a BuildKit step prefix (`#9 3.2 `, `5.552 `), its
 * warning box (`│`) or the pnpm 11 error code; the text of another line that merely mentions it does not count.
 */
const IGNORED_LINE =
  /^(?:#\d+\s+)?(?:\d+(?:\.\d+)?\s+)?(?:[│|]\s*)?(?:\[?ERR_PNPM_IGNORED_BUILDS\]?\s+)?Ignored build scripts: (.+?)\s*[│|]?\s*$/;
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i;

export interface IgnoredEntry {
  name: string;
  version?: string;
}

/** The packages pnpm's "Ignored build scripts:" evidence lines list (names and versions as printed). */
export function ignoredEntries(diagnosis: Diagnosis): IgnoredEntry[] | string {
  const entries: IgnoredEntry[] = [];
  for (const { text } of diagnosis.evidence) {
    const match = IGNORED_LINE.exec(text.trim());
    if (!match) continue;
    for (const raw of (match[1] ?? "").split(",")) {
      const item = raw.trim().replace(/\.$/, "");
      if (item === "") continue;
      const at = item.lastIndexOf("@");
      const name = at > 0 ? item.slice(0, at) : item;
      const version = at > 0 ? item.slice(at + 1) : undefined;
      if (!PACKAGE_NAME.test(name))
        return `pnpm's line names ${inlineCode(item)}, which is not a package name`;
      entries.push(version ? { name, version } : { name });
    }
  }
  return entries;
}

/** name → versions, from the lockfile's `packages`/`snapshots` keys (v9 `name@1.2.3`, v6 `/name@1.2.3(peer)`, v5 `/name/1.2.3`). */
export function lockfilePackages(text: string): Map<string, Set<string>> {
  const doc = parseYaml(text) as Record<string, unknown> | null;
  const found = new Map<string, Set<string>>();
  for (const section of ["packages", "snapshots"]) {
    const value = doc?.[section];
    if (!value || typeof value !== "object") continue;
    for (const key of Object.keys(value)) {
      const plain = key.replace(/^\//, "").replace(/\(.*$/, "");
      let name: string | undefined;
      let version: string | undefined;
      const at = plain.lastIndexOf("@");
      if (at > 0) {
        name = plain.slice(0, at);
        version = plain.slice(at + 1);
      } else {
        const slash = plain.lastIndexOf("/");
        if (slash > 0) {
          name = plain.slice(0, slash);
          version = plain.slice(slash + 1);
        }
      }
      if (!name || !version) continue;
      const versions = found.get(name) ?? new Set<string>();
      versions.add(version);
      found.set(name, versions);
    }
  }
  return found;
}

export interface PnpmVersion {
  major: number;
  minor: number;
  /** Where the version came from, for the PR body. */
  source: string;
}

/** The project's pnpm: the packageManager field, else a lower bound from the lockfile's format. */
export function pnpmVersion(packageJson: Record<string, unknown>, lockfile: string): PnpmVersion | undefined {
  const manager = packageJson.packageManager;
  const pinned = typeof manager === "string" ? /^pnpm@(\d+)\.(\d+)/.exec(manager) : null;
  if (pinned)
    return { major: Number(pinned[1]), minor: Number(pinned[2]), source: `packageManager ${manager}` };
  const lock = /^lockfileVersion:\s*['"]?(\d+)/m.exec(lockfile);
  if (!lock) return undefined;
  // 9.0 is written by pnpm 9 and 10 alike, so it only says "9 or later".
  const byFormat: Record<string, number> = { "5": 7, "6": 8, "9": 9 };
  const major = byFormat[lock[1] ?? ""];
  return major === undefined ? undefined : { major, minor: 0, source: `lockfileVersion ${lock[1]}` };
}

/** The indentation package.json uses, so the rewrite changes only what it must. */
export function jsonIndent(text: string): string | number {
  const match = /^\{\s*\n([ \t]+)"/.exec(text);
  return match?.[1] ?? 2;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function workspaceList(doc: ReturnType<typeof parseDocument>, key: string): unknown {
  return doc.toJS()?.[key];
}

type Target = "package.json" | "workspace-list" | "workspace-allow-builds";

function chooseTarget(options: {
  version: PnpmVersion | undefined;
  packageJson: Record<string, unknown>;
  workspace: string | undefined;
}): Target | string {
  const { version, packageJson, workspace } = options;
  if (version && (version.major < 6 || (version.major === 6 && version.minor < 32)))
    return `pnpm ${version.major}.${version.minor} (${version.source}) predates onlyBuiltDependencies (6.32)`;
  if (version && version.major >= 11) return "workspace-allow-builds";
  const wsDoc = workspace !== undefined ? parseDocument(workspace) : undefined;
  if (wsDoc && Array.isArray(workspaceList(wsDoc, "onlyBuiltDependencies"))) return "workspace-list";
  if (Array.isArray(asRecord(packageJson.pnpm)?.onlyBuiltDependencies)) return "package.json";
  const workspaceSettings =
    version !== undefined && (version.major > 10 || (version.major === 10 && version.minor >= 5));
  return wsDoc && workspaceSettings ? "workspace-list" : "package.json";
}

function alreadyAllowed(
  target: Target,
  packageJson: Record<string, unknown>,
  workspace: string | undefined,
): Set<string> {
  if (target === "package.json") {
    const list = asRecord(packageJson.pnpm)?.onlyBuiltDependencies;
    return new Set(Array.isArray(list) ? list.map(String) : []);
  }
  const js =
    workspace !== undefined ? (parseDocument(workspace).toJS() as Record<string, unknown> | null) : null;
  if (target === "workspace-list") {
    const list = js?.onlyBuiltDependencies;
    return new Set(Array.isArray(list) ? list.map(String) : []);
  }
  const map = asRecord(js?.allowBuilds) ?? {};
  return new Set(
    Object.entries(map)
      .filter(([, v]) => v === true)
      .map(([k]) => k),
  );
}

function edit(options: {
  target: Target;
  names: string[];
  packageJsonText: string;
  workspace: string | undefined;
}): Record<string, string> {
  const { target, names, packageJsonText, workspace } = options;
  if (target === "package.json") {
    const json = JSON.parse(packageJsonText) as Record<string, unknown>;
    const pnpm = asRecord(json.pnpm) ?? {};
    const list = Array.isArray(pnpm.onlyBuiltDependencies) ? [...pnpm.onlyBuiltDependencies] : [];
    list.push(...names);
    json.pnpm = { ...pnpm, onlyBuiltDependencies: list };
    const trailing = packageJsonText.endsWith("\n") ? "\n" : "";
    return { [PACKAGE_JSON]: `${JSON.stringify(json, null, jsonIndent(packageJsonText))}${trailing}` };
  }
  const doc = workspace?.trim() ? parseDocument(workspace) : new Document({});
  for (const name of names) {
    if (target === "workspace-allow-builds") doc.setIn(["allowBuilds", name], true);
    else if (doc.hasIn(["onlyBuiltDependencies"])) doc.addIn(["onlyBuiltDependencies"], name);
    else doc.setIn(["onlyBuiltDependencies"], doc.createNode([name]));
  }
  return { [WORKSPACE]: doc.toString() };
}

function where(target: Target): string {
  if (target === "package.json") return "`pnpm.onlyBuiltDependencies` in `package.json`";
  if (target === "workspace-list") return "`onlyBuiltDependencies` in `pnpm-workspace.yaml`";
  return "`allowBuilds` in `pnpm-workspace.yaml`";
}

export const pnpmOnlyBuiltRecipe: FixRecipe = {
  id: "pnpm-only-built-dependencies",
  matches: (diagnosis) => diagnosis.category === "native-build-skipped",
  wants: () => [PACKAGE_JSON, LOCKFILE, WORKSPACE, DOCKERFILE],
  apply(input: FixInput): FixOutcome {
    const { files, diagnosis } = input;
    const entries = ignoredEntries(diagnosis);
    if (typeof entries === "string") return refuse(entries);
    if (entries.length === 0)
      return refuse("the evidence holds no pnpm `Ignored build scripts:` line naming the skipped package");
    const packageJsonText = files[PACKAGE_JSON];
    const lockfile = files[LOCKFILE];
    if (packageJsonText === undefined || lockfile === undefined)
      return refuse("the repository has no `package.json` and `pnpm-lock.yaml` at its root");
    let packageJson: Record<string, unknown>;
    try {
      packageJson = asRecord(JSON.parse(packageJsonText)) ?? {};
    } catch (error) {
      return refuse(`package.json does not parse as JSON: ${(error as Error).message}`);
    }
    const locked = lockfilePackages(lockfile);
    for (const entry of entries) {
      const versions = locked.get(entry.name);
      if (!versions || (entry.version !== undefined && !versions.has(entry.version))) {
        const printed = entry.version ? `${entry.name}@${entry.version}` : entry.name;
        return refuse(
          `the log names ${inlineCode(printed)}, which pnpm-lock.yaml does not hold; only a locked package's build is ever allowed`,
        );
      }
    }
    // A native addon's path in the evidence narrows the list to the package that actually failed.
    const inPaths = new Set(
      diagnosis.evidence.flatMap(({ text }) =>
        [...text.matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)].map((m) => m[1] ?? ""),
      ),
    );
    const narrowed = entries.filter((e) => inPaths.has(e.name));
    const chosen = narrowed.length > 0 ? narrowed : entries;

    const version = pnpmVersion(packageJson, lockfile);
    const workspace = files[WORKSPACE];
    const target = chooseTarget({ version, packageJson, workspace });
    if (target !== "package.json" && target !== "workspace-list" && target !== "workspace-allow-builds")
      return refuse(target);
    const allowed = alreadyAllowed(target, packageJson, workspace);
    const names = [...new Set(chosen.map((e) => e.name))].filter((n) => !allowed.has(n));
    if (names.length === 0) {
      return refuse(
        `${chosen.map((e) => inlineCode(e.name)).join(", ")} is already allowed in ${where(target)}: the install that failed did not see that file (is it copied into the image before \`pnpm install\`?)`,
      );
    }
    const changes = edit({ target, names, packageJsonText, workspace });
    const printed = chosen
      .filter((e) => names.includes(e.name))
      .map((e) => inlineCode(e.version ? `${e.name}@${e.version}` : e.name));
    const list = printed.join(", ");
    const notes: string[] = [];
    const dockerfile = files[DOCKERFILE];
    if (
      target !== "package.json" &&
      dockerfile &&
      /pnpm\s+install/.test(dockerfile) &&
      !dockerfile.includes(WORKSPACE)
    )
      notes.push(
        "The `Dockerfile` runs `pnpm install` without copying `pnpm-workspace.yaml` first: copy it with `package.json` and `pnpm-lock.yaml`, or the image build will still skip the script.",
      );
    const versionLine = version
      ? `The project uses pnpm ${version.major}${version.source.startsWith("packageManager") ? `.${version.minor}` : "+"} (${version.source}), so the setting goes to ${where(target)}.`
      : `The project's pnpm version is not pinned, so the setting goes to ${where(target)}, which pnpm 6.32 to 10 read.`;
    return {
      applies: true,
      changes,
      title: `Allow the build script of ${names.join(", ")} (pnpm)`,
      summary: `allow ${list}'s build script in ${where(target)}`,
      body: [
        `pnpm skipped the build script of ${list}, so its native part was never built.`,
        "",
        `This adds ${names.map((n) => inlineCode(n)).join(", ")} to ${where(target)}. **It grants ${printed.length === 1 ? `${list}'s install script` : `the install scripts of ${list}`} the right to run** during \`pnpm install\`, on every machine that installs this project: review that package before merging.`,
        "",
        `${versionLine} The package name was taken from \`pnpm-lock.yaml\` (matched against pnpm's own \`Ignored build scripts:\` line), not from free log text.`,
        ...(notes.length > 0 ? ["", ...notes] : []),
        "",
        "Reinstall from a clean `node_modules` for the change to take effect.",
      ].join("\n"),
    };
  },
};
