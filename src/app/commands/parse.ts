// The command grammar. A comment is a command only when its first non-blank line is exactly one, so text that
// mentions `/devops` in a sentence, a quote, a code span or block, or on a later line never runs anything.
// Pure: no I/O, the handlers decide what a command may do.

export const DEVOPS_SUBCOMMANDS = [
  "help",
  "init",
  "plan",
  "deploy",
  "status",
  "logs",
  "fix",
  "triage",
  "rollback",
] as const;

export type Command =
  | { name: "help" | "init" | "plan" | "status" | "logs" | "fix" | "rollback" }
  | { name: "deploy"; environment?: string }
  | { name: "triage"; runUrl?: string }
  | { name: "approve"; hashPrefix?: string }
  | { name: "cancel" };

export type ParseResult =
  | { kind: "command"; command: Command }
  /** It addresses us (`/devops …`, `/approve …`, `/cancel …`) but is malformed: answer with usage. */
  | { kind: "usage"; problem: string }
  | { kind: "none" };

/** Environment names as the config schema accepts them (environments.<name>). */
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,62}$/;
const HASH_PREFIX = /^[0-9a-f]{7,64}$/i;
/** Which repository's run it names is checked by the triage command itself. */
const RUN_URL = /^https?:\/\/[^\s<>]+$/;
/** Words are separated by spaces and tabs only: any other character (zero-width, NBSP) makes it no command. */
const WORDS = /[ \t]+/;

export const USAGE = [
  "`/devops help` · `/devops init` · `/devops plan` · `/devops deploy [environment]` · `/devops status` ·",
  "`/devops logs` · `/devops triage [run-url]` · `/devops fix` · `/devops rollback` · `/approve [hash-prefix]` ·",
  "`/cancel`",
].join("\n");

export function parseCommand(body: string): ParseResult {
  const line = firstNonBlankLine(body);
  // Four spaces or a tab of indentation make a Markdown code block: quoted code, not a command.
  if (line === undefined || /^( {4}|\t)/.test(line)) return { kind: "none" };
  const words = line.replace(/^[ \t]+|[ \t]+$/g, "").split(WORDS);
  const [head, ...args] = words;
  switch (head) {
    case "/devops":
      return parseDevops(args);
    case "/approve":
      return parseApprove(args);
    case "/cancel":
      return args.length === 0
        ? { kind: "command", command: { name: "cancel" } }
        : { kind: "usage", problem: "`/cancel` takes no arguments" };
    default:
      return { kind: "none" };
  }
}

function parseDevops(args: string[]): ParseResult {
  const [sub, ...rest] = args;
  if (sub === undefined) return { kind: "usage", problem: "`/devops` needs a subcommand" };
  if (!(DEVOPS_SUBCOMMANDS as readonly string[]).includes(sub)) {
    return { kind: "usage", problem: "unknown subcommand" };
  }
  const name = sub as (typeof DEVOPS_SUBCOMMANDS)[number];
  if (name === "deploy") {
    if (rest.length > 1) return { kind: "usage", problem: "`/devops deploy` takes at most one environment" };
    const [environment] = rest;
    if (environment === undefined) return { kind: "command", command: { name } };
    if (!ENVIRONMENT.test(environment)) {
      return {
        kind: "usage",
        problem: "an environment name is lower-case letters, digits and `-`, starting with a letter",
      };
    }
    return { kind: "command", command: { name, environment } };
  }
  if (name === "triage") {
    const [runUrl] = rest;
    if (rest.length > 1 || (runUrl !== undefined && !RUN_URL.test(runUrl))) {
      return {
        kind: "usage",
        problem: "`/devops triage` takes nothing or the http(s) URL of a workflow run",
      };
    }
    return { kind: "command", command: runUrl === undefined ? { name } : { name, runUrl } };
  }
  if (rest.length > 0) return { kind: "usage", problem: `\`/devops ${name}\` takes no arguments` };
  return { kind: "command", command: { name } };
}

function parseApprove(args: string[]): ParseResult {
  if (args.length === 0) return { kind: "command", command: { name: "approve" } };
  const [prefix] = args;
  if (args.length > 1 || prefix === undefined || !HASH_PREFIX.test(prefix)) {
    return {
      kind: "usage",
      problem: "`/approve` takes nothing or the plan hash's first 7 to 64 hexadecimal characters",
    };
  }
  return { kind: "command", command: { name: "approve", hashPrefix: prefix.toLowerCase() } };
}

function firstNonBlankLine(body: string): string | undefined {
  // Only spaces and tabs count as blank: a line of zero-width or no-break spaces is text, not nothing.
  for (const line of body.split(/\r\n|\r|\n/)) if (!/^[ \t]*$/.test(line)) return line;
  return undefined;
}
