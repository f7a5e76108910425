// The fix recipes `/devops fix` knows, in the order they are tried. Each is a pure function (types.ts).
import type { Diagnosis } from "../../../triage/index.ts";
import { healthcheckCurlRecipe } from "./healthcheck-curl.ts";
import { listenHostRecipe } from "./listen-host.ts";
import { packagesWriteRecipe } from "./packages-write.ts";
import { pnpmOnlyBuiltRecipe } from "./pnpm-only-built.ts";
import type { FixRecipe } from "./types.ts";

export type { FixInput, FixOutcome, FixRecipe, TreeEntry } from "./types.ts";

export const FIX_RECIPES: readonly FixRecipe[] = [
  pnpmOnlyBuiltRecipe,
  listenHostRecipe,
  packagesWriteRecipe,
  healthcheckCurlRecipe,
];

/** The recipe for this kind of diagnosis, if any (at most one matches a category). */
export function recipeFor(diagnosis: Diagnosis): FixRecipe | undefined {
  if (diagnosis.category === "unknown") return undefined;
  return FIX_RECIPES.find((r) => r.matches(diagnosis));
}
