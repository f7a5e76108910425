// Turns the signals found in a log into one root cause: which rules hold (with their conditions), which
// category wins when several do, and how sure we are. Says "unknown" rather than guess.

import type { LogLine, LogScan } from "./log-reader.ts";
import { compileMatcher, type LineMatcher, patternKey } from "./matcher.ts";
import { createRedactor } from "./redact.ts";
import { UNKNOWN } from "./taxonomy.ts";
import type { Diagnosis, Evidence, Rule, RuleCondition } from "./types.ts";

export interface CompiledRules {
  readonly rules: readonly Rule[];
  readonly matcher: LineMatcher;
  /** Signal id by pattern key. */
  readonly signalOf: ReadonlyMap<string, number>;
}

export interface EvaluateOptions {
  /** Known secret values to redact from evidence (also in base64 and URL-encoded form). */
  secrets?: readonly string[];
  /** Below this confidence the answer is "unknown". */
  minConfidence?: number;
  maxEvidence?: number;
}

export const DEFAULT_MIN_CONFIDENCE = 0.5;
const MAX_EVIDENCE = 6;
const MAX_EVIDENCE_CHARS = 400;
// A rule whose lines all sit outside the step that failed explains that failure less well.
const OUTSIDE_FAILING_STEP = 0.8;
// Two categories this close, at the same priority, are a conflict we do not pretend to settle.
const CONFLICT_MARGIN = 0.05;
const CONFLICT_PENALTY = 0.2;
// Each further rule of the winning category adds a little certainty.
const CORROBORATION = 0.04;
const MAX_CONFIDENCE = 0.97;

export function compileRules(rules: readonly Rule[]): CompiledRules {
  const signalOf = new Map<string, number>();
  const patterns: RegExp[] = [];
  const add = (pattern: RegExp): void => {
    const key = patternKey(pattern);
    if (signalOf.has(key)) return;
    signalOf.set(key, patterns.length);
    patterns.push(pattern);
  };
  for (const rule of rules) {
    for (const p of rule.patterns) add(p);
    for (const c of rule.requires ?? []) add(c.pattern);
    for (const c of rule.excludes ?? []) add(c.pattern);
  }
  return { rules, matcher: compileMatcher(patterns), signalOf };
}

export interface RuleMatch {
  rule: Rule;
  /** The rule's own lines that satisfy its conditions. */
  hits: LogLine[];
  /** Lines that satisfied its conditions. */
  support: LogLine[];
  confidence: number;
}

/** Every rule that holds on the scanned log, with its confidence adjusted for where its lines are. */
export function matchRules(scan: LogScan, compiled: CompiledRules): RuleMatch[] {
  const linesOf = (pattern: RegExp): LogLine[] => {
    const id = compiled.signalOf.get(patternKey(pattern));
    return id === undefined ? [] : (scan.hits[id]?.lines ?? []);
  };
  const holds = (condition: RuleCondition, at: LogLine): LogLine | undefined => {
    const lines = linesOf(condition.pattern);
    if (condition.within === undefined) return lines[0];
    const within = condition.within;
    let best: LogLine | undefined;
    for (const l of lines) {
      const d = Math.abs(l.line - at.line);
      if (d <= within && (best === undefined || d < Math.abs(best.line - at.line))) best = l;
    }
    return best;
  };

  const matches: RuleMatch[] = [];
  for (const rule of compiled.rules) {
    const byLine = new Map<number, LogLine>();
    for (const p of rule.patterns) for (const l of linesOf(p)) byLine.set(l.line, l);
    if (byLine.size === 0) continue;
    const hits: LogLine[] = [];
    const support = new Map<number, LogLine>();
    for (const hit of [...byLine.values()].sort((a, b) => a.line - b.line)) {
      const found = (rule.requires ?? []).map((c) => holds(c, hit));
      if (found.some((l) => l === undefined)) continue;
      if ((rule.excludes ?? []).some((c) => holds(c, hit) !== undefined)) continue;
      hits.push(hit);
      for (const l of found) if (l !== undefined && !byLine.has(l.line)) support.set(l.line, l);
    }
    if (hits.length === 0) continue;
    let confidence = rule.confidence;
    if (scan.failingStep !== undefined && !hits.some((h) => h.step === scan.failingStep)) {
      confidence *= OUTSIDE_FAILING_STEP;
    }
    matches.push({ rule, hits, support: [...support.values()], confidence });
  }
  return matches;
}

interface CategoryScore {
  category: string;
  best: RuleMatch;
  matches: RuleMatch[];
  confidence: number;
}

/** Combines the rule matches of a scanned log into one diagnosis. */
export function evaluate(scan: LogScan, compiled: CompiledRules, options: EvaluateOptions = {}): Diagnosis {
  const redact = createRedactor({ secrets: options.secrets ?? [] });
  const maxEvidence = options.maxEvidence ?? MAX_EVIDENCE;
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const toEvidence = (lines: readonly LogLine[]): Evidence[] =>
    dedupe(lines)
      .slice(0, maxEvidence)
      .sort((a, b) => a.line - b.line)
      .map((l) => ({ line: l.line, text: clip(redact(l.text)) }));
  const failingStep = scan.failingStep === undefined ? undefined : redact(scan.failingStep);

  const ranked = rankCategories(matchRules(scan, compiled));
  const winner = ranked[0];
  let confidence = winner?.confidence ?? 0;
  const rival = ranked[1];
  if (winner && rival && rival.best.rule.priority === winner.best.rule.priority) {
    if (rival.confidence >= winner.confidence - CONFLICT_MARGIN) confidence -= CONFLICT_PENALTY;
  }

  if (winner === undefined || confidence < minConfidence) {
    const context = scan.firstError ? [...scan.beforeError.slice(-4), scan.firstError] : scan.tail.slice(-5);
    const named = ranked.slice(0, 2).map((c) => c.category);
    return withStep(
      {
        category: UNKNOWN,
        summary:
          named.length === 0
            ? "No known failure mechanism matched this log."
            : `Weak or conflicting signs (${named.join(", ")}); not sure enough to name a root cause.`,
        fix: "No fix suggested: read the lines around the first error (shown as evidence).",
        confidence: round(confidence),
        evidence: toEvidence([...context].reverse()),
      },
      failingStep,
    );
  }

  const { best } = winner;
  // The winning rule's lines first (those in the failing step before others), then what corroborates them.
  const inStep = (l: LogLine): number =>
    scan.failingStep !== undefined && l.step === scan.failingStep ? 0 : 1;
  const ownLines = [...best.hits].sort((a, b) => inStep(a) - inStep(b));
  const lead = [...ownLines.slice(0, 2), ...ownLines.slice(2).slice(-1)];
  const others = winner.matches.filter((m) => m !== best).map((m) => m.hits[0] as LogLine);
  const errorLine = scan.firstError ? [scan.firstError] : [];
  return withStep(
    {
      category: best.rule.category,
      summary: best.rule.summary,
      fix: best.rule.fix,
      confidence: round(confidence),
      evidence: toEvidence([...lead, ...best.support, ...others, ...errorLine]),
      ruleId: best.rule.id,
    },
    failingStep,
  );
}

function rankCategories(matches: readonly RuleMatch[]): CategoryScore[] {
  const byCategory = new Map<string, RuleMatch[]>();
  for (const m of matches) {
    const list = byCategory.get(m.rule.category) ?? [];
    list.push(m);
    byCategory.set(m.rule.category, list);
  }
  const scores: CategoryScore[] = [];
  for (const [category, list] of byCategory) {
    list.sort((a, b) => b.rule.priority - a.rule.priority || b.confidence - a.confidence);
    const best = list[0] as RuleMatch;
    const confidence = Math.min(MAX_CONFIDENCE, best.confidence + CORROBORATION * (list.length - 1));
    scores.push({ category, best, matches: list, confidence });
  }
  // Priority first: a cause (a full disk, a glibc mismatch) outranks the symptoms it produces.
  return scores.sort((a, b) => b.best.rule.priority - a.best.rule.priority || b.confidence - a.confidence);
}

function withStep(d: Diagnosis, failingStep: string | undefined): Diagnosis {
  return failingStep === undefined ? d : { ...d, failingStep };
}

function dedupe(lines: readonly LogLine[]): LogLine[] {
  const seen = new Set<number>();
  return lines.filter((l) => !seen.has(l.line) && seen.add(l.line));
}

function clip(text: string): string {
  return text.length <= MAX_EVIDENCE_CHARS ? text : `${text.slice(0, MAX_EVIDENCE_CHARS)}…`;
}

function round(n: number): number {
  return Math.round(Math.max(0, n) * 100) / 100;
}
