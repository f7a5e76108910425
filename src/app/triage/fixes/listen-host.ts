// Recipe (b): the server binds to the loopback interface inside a container, so the proxy cannot reach it.
// Find the one `listen(…)` call in the source that names 127.0.0.1/localhost/::1 as its host (positional or
// `host:`) and bind it to 0.0.0.0 instead. Zero or several such calls: refuse, a guess would break code.
// No JavaScript parser is a dependency of this project, so a small scanner blanks comments and tracks strings
// to find each call's argument list exactly; only the host literal itself is rewritten.
import { inlineCode } from "../../markdown.ts";
import { type FixOutcome, type FixRecipe, refuse, type TreeEntry } from "./types.ts";

const SOURCE = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;
const SKIP_DIR = /(?:^|\/)(?:node_modules|dist|build|coverage|vendor|test|tests|__tests__|\.[^/]+)\//;
const MAX_FILES = 300;
const MAX_BYTES = 256 * 1024;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
/** A log line saying the app listens on the loopback interface (the evidence this recipe needs). */
const LISTENS_ON_LOOPBACK = /\b(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\b/i;

export interface LoopbackListen {
  path: string;
  /** Offset of the host string literal (including its quote). */
  start: number;
  end: number;
  quote: string;
  line: number;
}

/** Comments replaced by spaces (offsets kept); strings and template literals left as they are. */
function blankComments(text: string): string {
  const out = text.split("");
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
      continue;
    }
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") out[i++] = " ";
      continue;
    }
    if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== "\n") out[i] = " ";
      continue;
    }
    i++;
  }
  return out.join("");
}

/** Index just past the string literal starting at `start`. */
function skipString(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === "\\") i++;
    else if (quote !== "`" && text[i] === "\n") return i;
    i++;
  }
  return i + 1;
}

/** The index of the parenthesis closing the one at `open`, skipping strings. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i) - 1;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}

/** Every `listen(…)` call of a file whose host argument is a loopback literal. */
export function findLoopbackListens(path: string, source: string): LoopbackListen[] {
  const text = blankComments(source);
  const found: LoopbackListen[] = [];
  for (const call of text.matchAll(/\blisten\s*\(/g)) {
    const open = (call.index ?? 0) + call[0].length - 1;
    const close = closingParen(text, open);
    if (close === -1) continue;
    const args = text.slice(open + 1, close);
    // Top-level positional string literal, or a `host:`/`hostname:` property, holding a loopback address.
    const literal =
      /(?:^|,|\bhost(?:name)?\s*:)\s*(["'`])(127\.0\.0\.1|localhost|::1)\1/.exec(args) ?? undefined;
    if (!literal || !LOOPBACK.has(literal[2] ?? "")) continue;
    const quote = literal[1] ?? '"';
    const value = literal[2] ?? "";
    const end = open + 1 + (literal.index ?? 0) + literal[0].length;
    const start = end - value.length - 2;
    found.push({ path, start, end, quote, line: source.slice(0, start).split("\n").length });
  }
  return found;
}

export const listenHostRecipe: FixRecipe = {
  id: "listen-on-all-interfaces",
  matches: (diagnosis) =>
    diagnosis.category === "port-binding" && diagnosis.evidence.some((e) => LISTENS_ON_LOOPBACK.test(e.text)),
  wants: (tree: readonly TreeEntry[]) =>
    tree
      .filter((e) => SOURCE.test(e.path) && !e.path.endsWith(".d.ts") && !SKIP_DIR.test(e.path))
      .filter((e) => e.size === undefined || e.size <= MAX_BYTES)
      .slice(0, MAX_FILES)
      .map((e) => e.path),
  apply({ files }): FixOutcome {
    const calls = Object.entries(files)
      .filter(([path]) => SOURCE.test(path))
      .flatMap(([path, text]) => findLoopbackListens(path, text));
    if (calls.length === 0)
      return refuse(
        "no `listen(…)` call with a 127.0.0.1/localhost host literal was found in the source: the host may come from configuration (set HOST=0.0.0.0 or the framework's `--host 0.0.0.0`)",
      );
    if (calls.length > 1)
      return refuse(
        `${calls.length} \`listen(…)\` calls bind to the loopback interface (${calls.map((c) => inlineCode(`${c.path}:${c.line}`)).join(", ")}); which one serves the traffic is for a person to decide`,
      );
    const [call] = calls as [LoopbackListen];
    const text = files[call.path] as string;
    const updated = `${text.slice(0, call.start)}${call.quote}0.0.0.0${call.quote}${text.slice(call.end)}`;
    const where = inlineCode(`${call.path}:${call.line}`);
    return {
      applies: true,
      changes: { [call.path]: updated },
      title: "Listen on all interfaces so the container's port is reachable",
      summary: `bind the server in ${where} to \`0.0.0.0\` instead of the loopback address`,
      body: [
        `The server listens on the loopback address (${where}), which inside a container is reachable only from the container itself: the proxy or platform in front of it gets "connection refused" or a 502.`,
        "",
        "This binds it to `0.0.0.0` (all interfaces). Only the port the container publishes is exposed; if the app must stay local outside containers, read the host from an environment variable instead.",
      ].join("\n"),
    };
  },
};
