// Replies whose text comes partly from outside the App (config, registry, policy): fenced, never pasted raw.
import type { ConfigError } from "../../config/load.ts";
import { fence } from "../markdown.ts";

export function configErrorReply(options: { error: ConfigError; what: string; ref: string }): string {
  const { error, what, ref } = options;
  const problems = error.problems.map(
    (p) => `${p.file}:${p.line}: ${p.field ? `${p.field}: ` : ""}${p.message}`,
  );
  return [
    `${what} at ${ref}: fix ${error.problems.length === 1 ? "this problem" : "these problems"} and comment again. Nothing was planned or dispatched.`,
    "",
    fence(problems.join("\n"), "text"),
  ].join("\n");
}

export function errorReply(options: { what: string; message: string }): string {
  return `${options.what}. Nothing was planned or dispatched.\n\n${fence(options.message, "text")}`;
}
