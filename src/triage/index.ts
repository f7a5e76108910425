// Public surface of the triage engine: read a failed CI or deploy log (streamed) and name its root cause
// with evidence lines, or say "unknown". Nothing here knows about Probot or GitHub Actions' toolkit.
import { type CompiledRules, compileRules, type EvaluateOptions, evaluate } from "./diagnose.ts";
import { type LogSource, scanLog } from "./log-reader.ts";
import { RULES } from "./rules/index.ts";
import type { Diagnosis, Rule } from "./types.ts";

export type { LogSource } from "./log-reader.ts";
export { createRedactor, REDACTED, redact, secretVariants } from "./redact.ts";
export { RULES } from "./rules/index.ts";
export { CATEGORIES, UNKNOWN } from "./taxonomy.ts";
export type { Diagnosis, Evidence, Rule, RuleCondition, RuleSample } from "./types.ts";

export interface DiagnoseOptions extends EvaluateOptions {
  /** Replaces the built-in rules (tests and evaluation use this). */
  rules?: readonly Rule[];
}

let defaultRules: CompiledRules | undefined;
const compiledCache = new WeakMap<readonly Rule[], CompiledRules>();

function compiledFor(rules: readonly Rule[] | undefined): CompiledRules {
  if (rules === undefined || rules === RULES) {
    defaultRules ??= compileRules(RULES);
    return defaultRules;
  }
  let compiled = compiledCache.get(rules);
  if (compiled === undefined) {
    compiled = compileRules(rules);
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/**
 * Diagnoses a log given as its text, a byte/string stream or any async iterable of chunks. The log is read
 * once and never held whole in memory.
 */
export async function diagnose(source: LogSource, options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const compiled = compiledFor(options.rules);
  const scan = await scanLog(source, { matcher: compiled.matcher });
  return evaluate(scan, compiled, options);
}
