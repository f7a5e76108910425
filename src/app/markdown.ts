// Safe Markdown for everything we quote into a comment: untrusted text (comments, PR titles, config values,
// logs, provider errors) is data, so it is either fenced, code-spanned or neutralized, never pasted raw.
// Neutralized means: it cannot ping anyone, cannot inject HTML, cannot become a link, a heading, a list or a
// table cell boundary, and cannot close the fence or span it sits in.

/** U+2060 WORD JOINER would also do; a zero-width joiner after `@` is what GitHub's own UI suggests. */
const ZWJ = "\u200D";

/** Line endings as CommonMark knows them, collapsed: inline text must never start a new block. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n|\u2028|\u2029/g, " ");
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

/**
 * A fenced code block that `text` cannot close: the fence is longer than any run of its character inside.
 * Backticks by default; tildes when the info string holds a backtick (a backtick fence's info may not).
 * Inside a fence GitHub renders no mentions, no HTML and no links.
 */
export function fence(text: string, info = ""): string {
  const cleanInfo = oneLine(info).trim();
  const char = cleanInfo.includes("`") ? "~" : "`";
  const body = text.replace(/\r\n|\r/g, "\n");
  const marker = char.repeat(Math.max(3, longestRun(body, char) + 1));
  return `${marker}${cleanInfo}\n${body}${body.endsWith("\n") || body === "" ? "" : "\n"}${marker}`;
}

/**
 * A code span that `text` cannot close. Pass `table: true` inside a GFM table cell, where `|` splits the cell
 * even within a code span and must be written `\|` (GitHub shows it as `|` there).
 */
export function inlineCode(text: string, options: { table?: boolean } = {}): string {
  let body = oneLine(text);
  if (options.table) body = body.replace(/\|/g, "\\|");
  const ticks = "`".repeat(longestRun(body, "`") + 1);
  // A span starting or ending with a backtick needs a space of padding, which CommonMark strips again.
  const pad = body.startsWith("`") || body.endsWith("`") || /^ .* $/.test(body) ? " " : "";
  return `${ticks}${pad}${body === "" ? " " : body}${pad}${ticks}`;
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/**
 * Untrusted text for inline use (a sentence, a table cell): one line; `@` and `#` references broken with a
 * zero-width joiner (no pings, no cross-references); HTML special characters as entities; Markdown syntax
 * (emphasis, code, links and images, strikethrough, table pipes, a leading heading/list/quote marker)
 * backslash-escaped, so it renders as the characters it is.
 */
export function neutralize(text: string): string {
  let out = oneLine(text)
    .replace(/[&<>"]/g, (c) => HTML[c] as string)
    .replace(/[\\`*_[\]()!|~]/g, (c) => `\\${c}`)
    // Mentions (`@user`, `@org/team`) and references (`#12`, `owner/repo#12`, `GH-12` needs `#` too).
    .replace(/([@#])/g, `$1${ZWJ}`);
  // Block markers only matter at the start: a heading, a list item, a setext underline, an ordered list.
  out = out.replace(/^(\s*)([#+\-=])/, "$1\\$2").replace(/^(\s*\d+)([.)])/, "$1\\$2");
  return out;
}
