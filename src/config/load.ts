// Reads .devops/*.yml text into validated config. Every problem names the file, the line and the field, and
// says what to change; nothing partial is returned.
import { isMap, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import {
  CONFIG_PATH,
  type DeployConfig,
  deployConfigSchema,
  POLICY_PATH,
  type Policy,
  policySchema,
} from "./schema.ts";

export interface ConfigProblem {
  file: string;
  line: number;
  /** Dotted path of the field, e.g. environments.production.domain.host */
  field: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      problems.map((p) => `${p.file}:${p.line}: ${p.field ? `${p.field}: ` : ""}${p.message}`).join("\n"),
    );
    this.problems = problems;
  }
}

export function parseDeployConfig(text: string, file = CONFIG_PATH): DeployConfig {
  return parseWith(deployConfigSchema, text, file);
}

export function parsePolicy(text: string, file = POLICY_PATH): Policy {
  return parseWith(policySchema, text, file);
}

function parseWith<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        line: lines.linePos(e.pos[0]).line,
        field: "",
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      // Point at the deepest node that exists: a missing key is reported on its parent's line.
      let node: unknown;
      for (let depth = path.length; depth >= 0 && !node; depth--)
        node = doc.getIn(path.slice(0, depth), true);
      const offset = (node as Node | undefined)?.range?.[0] ?? 0;
      const unknownKeys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
      const line =
        issue.code === "unrecognized_keys" && isMap(node)
          ? keyLine(node, issue.keys[0] as string, lines)
          : undefined;
      return {
        file,
        line: line ?? lines.linePos(offset).line,
        field: path.join("."),
        message: `${issue.message}${unknownKeys}`,
      };
    }),
  );
}

function keyLine(map: Node, key: string, lines: LineCounter): number | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
  const offset = (pair?.key as Node | undefined)?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
