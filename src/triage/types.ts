// Shared shapes of the triage engine: rules (data), samples with provenance, and the diagnosis it returns.
// Kept apart from the engine so rule files and tests can import types without pulling in the scanner.

/** A sample line or snippet for a rule; `from` names the case in cases.jsonl it was copied from, if any. */
export interface RuleSample {
  text: string;
  from?: string;
}

/**
 * A condition on other lines of the log. With `within`, a line matching `pattern` must sit at most that many
 * lines before or after the rule's hit; without it, anywhere in the log.
 */
export interface RuleCondition {
  pattern: RegExp;
  within?: number;
}

export interface Rule {
  id: string;
  /** A taxonomy id (taxonomy.json). */
  category: string;
  /** A line matching any of these is a hit. Each must contain a literal of 4+ characters (the prefilter uses it). */
  patterns: readonly RegExp[];
  /** All must hold for a hit to count. */
  requires?: readonly RuleCondition[];
  /** None may hold for a hit to count. */
  excludes?: readonly RuleCondition[];
  /** Higher wins when categories conflict: a cause outranks the symptoms it produces. */
  priority: number;
  /** How often this mechanism is the root cause when the rule fires, 0..1. */
  confidence: number;
  /** One sentence naming the mechanism. */
  summary: string;
  fix: string;
  positive: readonly RuleSample[];
  negative: readonly RuleSample[];
}

export interface Evidence {
  /** 1-based line number in the original log. */
  line: number;
  text: string;
}

export interface Diagnosis {
  /** A taxonomy id or "unknown". */
  category: string;
  summary: string;
  fix: string;
  confidence: number;
  evidence: Evidence[];
  failingStep?: string;
  ruleId?: string;
}
