// The `${{ … }}` expressions the twin's runner evaluates: only plain context lookups our generated workflows
// use. Anything else (functions, operators, other contexts) is refused before the job starts, so a workflow
// that would behave differently on GitHub fails loudly here instead of silently evaluating to "".

export interface ExpressionContext {
  inputs: Record<string, string | boolean>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  github: Record<string, string>;
  /** step id → its outputs */
  steps: Record<string, Record<string, string>>;
}

const NAME = "[A-Za-z_][A-Za-z0-9_-]*";

/** The github.* fields the runner knows; GitHub has more, and a workflow naming one of those is refused. */
export const GITHUB_CONTEXT_FIELDS = [
  "token",
  "repository",
  "repository_owner",
  "sha",
  "ref",
  "ref_name",
  "run_id",
  "run_number",
  "run_attempt",
  "actor",
  "event_name",
  "workflow",
  "job",
] as const;

type Lookup =
  | { context: "inputs" | "secrets" | "vars"; name: string }
  | { context: "secrets-json" }
  | { context: "github"; name: string }
  | { context: "steps"; step: string; name: string };

const PATTERNS: [RegExp, (m: RegExpExecArray) => Lookup][] = [
  // GitHub's documented way to hand an Action every secret the job can see (the Environment's included).
  [/^toJSON\(\s*secrets\s*\)$/, () => ({ context: "secrets-json" })],
  [new RegExp(`^inputs\\.(${NAME})$`), (m) => ({ context: "inputs", name: m[1] as string })],
  [new RegExp(`^github\\.event\\.inputs\\.(${NAME})$`), (m) => ({ context: "inputs", name: m[1] as string })],
  [new RegExp(`^secrets\\.(${NAME})$`), (m) => ({ context: "secrets", name: m[1] as string })],
  [new RegExp(`^vars\\.(${NAME})$`), (m) => ({ context: "vars", name: m[1] as string })],
  [
    new RegExp(`^github\\.(${GITHUB_CONTEXT_FIELDS.join("|")})$`),
    (m) => ({ context: "github", name: m[1] as string }),
  ],
  [
    new RegExp(`^steps\\.(${NAME})\\.outputs\\.(${NAME})$`),
    (m) => ({ context: "steps", step: m[1] as string, name: m[2] as string }),
  ],
];

const EXPRESSION = /\$\{\{(.*?)\}\}/gs;

function lookup(expression: string): Lookup | undefined {
  const text = expression.trim();
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) return build(match);
  }
  return undefined;
}

/** Problems with the expressions inside a value (empty when every one is supported). */
export function expressionProblems(value: string, where: string): string[] {
  const problems: string[] = [];
  for (const match of value.matchAll(EXPRESSION)) {
    if (!lookup(match[1] ?? "")) {
      problems.push(
        `Unsupported expression \${{${match[1]}}} in ${where}: the twin's runner evaluates only inputs.*, github.event.inputs.*, secrets.*, toJSON(secrets), vars.*, steps.<id>.outputs.* and github.{${GITHUB_CONTEXT_FIELDS.join(",")}}`,
      );
    }
  }
  if (problems.length === 0 && /\$\{\{/.test(value.replace(EXPRESSION, "")))
    problems.push(`Unterminated expression in ${where}`);
  return problems;
}

/** Replaces every `${{ … }}` with its value; a missing value is the empty string, as on GitHub. */
export function interpolate(value: string, context: ExpressionContext): string {
  return value.replace(EXPRESSION, (_all, inner: string) => {
    const found = lookup(inner);
    if (!found) throw new Error(`unsupported expression \${{${inner}}}`);
    switch (found.context) {
      case "steps":
        return context.steps[found.step]?.[found.name] ?? "";
      case "secrets-json":
        // As GitHub prints it: pretty JSON; GITHUB_TOKEN appears as github_token.
        return JSON.stringify(secretsJson(context.secrets), null, 2);
      case "inputs":
        return String(context.inputs[found.name] ?? "");
      default:
        return context[found.context][found.name] ?? "";
    }
  });
}

/** A step's `if:` may only say always(); absent means "only when everything before succeeded". */
export function isAlwaysCondition(condition: string): boolean {
  return /^\s*(?:\$\{\{\s*always\(\)\s*\}\}|always\(\))\s*$/.test(condition);
}

function secretsJson(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [name === "GITHUB_TOKEN" ? "github_token" : name, value]),
  );
}
