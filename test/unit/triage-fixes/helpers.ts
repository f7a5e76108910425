// Shared helpers for the fix recipe tests: real diagnoses from the engine, and the sample app's files.
import type { FixInput, FixOutcome, FixRecipe } from "../../../src/app/triage/fixes/index.ts";
import { sampleFiles } from "../../../src/sandbox/sandbox.ts";
import { type Diagnosis, diagnose } from "../../../src/triage/index.ts";

/** The sandbox's sample service, as the tests' repository. */
export function sampleApp(): Record<string, string> {
  return sampleFiles();
}

export async function diagnosisOf(log: string): Promise<Diagnosis> {
  return diagnose(log);
}

/** Runs a recipe as the App does: only the files it wants, from the given repository files. */
export function runRecipe(
  recipe: FixRecipe,
  files: Record<string, string>,
  input: Omit<FixInput, "files">,
): FixOutcome {
  const tree = Object.entries(files).map(([path, text]) => ({ path, size: Buffer.byteLength(text) }));
  const wanted = new Set(recipe.wants(tree, input));
  return recipe.apply({
    ...input,
    files: Object.fromEntries(Object.entries(files).filter(([path]) => wanted.has(path))),
  });
}

export function applied(outcome: FixOutcome): Extract<FixOutcome, { applies: true }> {
  if (!outcome.applies) throw new Error(`expected the recipe to apply, it refused: ${outcome.reason}`);
  return outcome;
}

export function refused(outcome: FixOutcome): string {
  if (outcome.applies)
    throw new Error(`expected a refusal, got changes to ${Object.keys(outcome.changes).join(", ")}`);
  return outcome.reason;
}

/** The seed's failure as pnpm 10 and Node print it (see /work/shared/lab/SEED-FAILURE.md). */
export const SEED_LOG = [
  "2026-11-23T10:00:00.0000000Z ##[group]Run acme/devops-agent@v1",
  "2026-11-23T10:00:00.0000000Z ##[endgroup]",
  "2026-11-23T10:00:01.0000000Z Packages: +38",
  "2026-11-23T10:00:01.0000000Z Progress: resolved 38, reused 0, downloaded 38, added 38, done",
  "2026-11-23T10:00:01.0000000Z dependencies:",
  "2026-11-23T10:00:01.0000000Z + better-sqlite3 12.11.1",
  "2026-11-23T10:00:01.0000000Z Ignored build scripts: better-sqlite3@12.11.1.",
  '2026-11-23T10:00:01.0000000Z Run "pnpm approve-builds" to pick which dependencies should be allowed to run scripts.',
  "2026-11-23T10:00:01.0000000Z Done in 1.2s using pnpm v10.34.9",
  "2026-11-23T10:00:02.0000000Z Error: Could not locate the bindings file. Tried:",
  "2026-11-23T10:00:02.0000000Z  → /app/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/build/better_sqlite3.node",
  "2026-11-23T10:00:02.0000000Z ##[error]Process completed with exit code 1.",
].join("\n");
