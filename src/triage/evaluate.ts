// Scores the engine on labelled cases (accuracy, precision of non-unknown answers, recall per category) and
// estimates how it would do on cases it was not written from (leave-one-out over rule provenance).
import { type DiagnoseOptions, diagnose } from "./index.ts";
import { RULES } from "./rules/index.ts";
import { UNKNOWN } from "./taxonomy.ts";
import type { Rule } from "./types.ts";

export interface LabelledCase {
  id: string;
  category: string;
  log: string;
}

export interface CaseResult {
  id: string;
  expected: string;
  got: string;
  confidence: number;
  ruleId?: string;
}

export interface Score {
  total: number;
  correct: number;
  /** Answers other than "unknown". */
  answered: number;
  answeredCorrect: number;
  /** correct / total. */
  accuracy: number;
  /** answeredCorrect / answered (1 when nothing was answered). */
  precision: number;
  recallByCategory: Record<string, { total: number; correct: number; recall: number }>;
  results: CaseResult[];
}

export function parseCases(jsonl: string): LabelledCase[] {
  return jsonl
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as LabelledCase);
}

export async function scoreCases(
  cases: readonly LabelledCase[],
  options: { rulesFor?: (c: LabelledCase) => readonly Rule[]; diagnose?: DiagnoseOptions } = {},
): Promise<Score> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const rules = options.rulesFor?.(c) ?? options.diagnose?.rules ?? RULES;
    const d = await diagnose(c.log, { ...options.diagnose, rules });
    results.push({
      id: c.id,
      expected: c.category,
      got: d.category,
      confidence: d.confidence,
      ruleId: d.ruleId,
    });
  }
  return summarise(results);
}

function summarise(results: CaseResult[]): Score {
  const correct = results.filter((r) => r.got === r.expected).length;
  const answered = results.filter((r) => r.got !== UNKNOWN);
  const answeredCorrect = answered.filter((r) => r.got === r.expected).length;
  const recallByCategory: Score["recallByCategory"] = {};
  for (const r of results) {
    const entry = recallByCategory[r.expected] ?? { total: 0, correct: 0, recall: 0 };
    recallByCategory[r.expected] = entry;
    entry.total++;
    if (r.got === r.expected) entry.correct++;
  }
  for (const entry of Object.values(recallByCategory)) entry.recall = entry.correct / entry.total;
  return {
    total: results.length,
    correct,
    answered: answered.length,
    answeredCorrect,
    accuracy: results.length === 0 ? 0 : correct / results.length,
    precision: answered.length === 0 ? 1 : answeredCorrect / answered.length,
    recallByCategory,
    results,
  };
}

/**
 * Leave-one-out for hand-written rules. A learned model can be retrained without a case; these rules were
 * written by a person who read every case, so the honest approximation is to ask, for each case, which
 * rules would exist had that case never been seen, and score the case with only those.
 *
 * Provenance comes from the rules' positive samples: a sample copied from a case carries its id (`from`).
 * - "strict": a rule with a sample from the held-out case is dropped unless a sample from another case also
 *   vouches for it. Samples without `from` (written from the tools' documented messages) do not save it:
 *   their author had read the case. This is the figure to quote.
 * - "lenient": a rule is dropped only if every positive sample comes from the held-out case.
 * Both still overstate generalisation (priorities, thresholds and wording were tuned on all cases) and the
 * held-back set is the real test.
 */
export function rulesWithoutCase(rules: readonly Rule[], caseId: string, mode: "strict" | "lenient"): Rule[] {
  return rules.filter((rule) => {
    const sources = rule.positive.map((s) => s.from);
    if (!sources.includes(caseId)) return true;
    if (mode === "lenient") return sources.some((s) => s !== caseId);
    return sources.some((s) => s !== undefined && s !== caseId);
  });
}

export async function leaveOneOut(
  cases: readonly LabelledCase[],
  options: { mode: "strict" | "lenient"; rules?: readonly Rule[] },
): Promise<Score> {
  const rules = options.rules ?? RULES;
  const byCase = new Map(cases.map((c) => [c.id, rulesWithoutCase(rules, c.id, options.mode)]));
  return scoreCases(cases, { rulesFor: (c) => byCase.get(c.id) ?? rules });
}
