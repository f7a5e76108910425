// The Action's metadata (action.yml): the runner fills in the declared input defaults a step's `with:` leaves
// out, as GitHub's runner does (our action.yml defaults github-token to `${{ github.token }}`).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";

/**
 * The input defaults of the action.yml whose `runs.main` is this entry, looked for in the entry's directory
 * and the two above it (action/dist/index.js ← ./action.yml). Empty when there is none.
 */
export function actionInputDefaults(entry: string): Record<string, string> {
  let dir = dirname(entry);
  for (let depth = 0; depth < 3; depth++) {
    for (const name of ["action.yml", "action.yaml"]) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      const metadata = parse(readFileSync(file, "utf8")) as {
        runs?: { main?: string };
        inputs?: Record<string, { default?: unknown } | null>;
      } | null;
      if (!metadata?.runs?.main || resolve(dir, metadata.runs.main) !== entry) continue;
      const defaults: Record<string, string> = {};
      for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
        if (spec?.default !== undefined && spec.default !== null) defaults[input] = String(spec.default);
      }
      return defaults;
    }
    dir = dirname(dir);
  }
  return {};
}
