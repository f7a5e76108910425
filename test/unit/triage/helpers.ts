// Shared by the triage tests: the labelled cases fixture and running a single rule on a snippet.
import { readFileSync } from "node:fs";
import { compileRules, matchRules } from "../../../src/triage/diagnose.ts";
import { type LabelledCase, parseCases } from "../../../src/triage/evaluate.ts";
import { scanLog } from "../../../src/triage/log-reader.ts";
import type { Rule } from "../../../src/triage/types.ts";

const fixtures = new URL("../../fixtures/triage/", import.meta.url);

export function loadCases(): LabelledCase[] {
  return parseCases(readFileSync(new URL("cases.jsonl", fixtures), "utf8"));
}

export function loadTaxonomyIds(): string[] {
  const taxonomy = JSON.parse(readFileSync(new URL("taxonomy.json", fixtures), "utf8")) as {
    categories: { id: string }[];
  };
  return taxonomy.categories.map((c) => c.id);
}

/** Whether `rule` alone, with its conditions, fires on `text` (through the real scanner and prefilter). */
export async function ruleFires(rule: Rule, text: string): Promise<boolean> {
  const compiled = compileRules([rule]);
  const scan = await scanLog(text, { matcher: compiled.matcher });
  return matchRules(scan, compiled).length > 0;
}
