// A job's log as GitHub stores it: every line prefixed with a 7-digit-fraction UTC timestamp, workflow
// commands from the Action (`::error::`, `::group::`, `::add-mask::`) turned into the runner's `##[…]`
// markers, and every registered secret replaced by `***` before the line is kept.
import type { Clock } from "../../clock.ts";

export class JobLog {
  readonly #clock: Clock;
  readonly #lines: string[] = [];
  readonly #masks = new Set<string>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Registers a value to mask from now on; each line of a multi-line value is masked on its own, as GitHub does. */
  mask(value: string): void {
    for (const part of value.split(/\r?\n/)) {
      if (part.trim().length > 0) this.#masks.add(part);
    }
  }

  line(text: string): void {
    const stamp = this.#clock
      .now()
      .toISOString()
      .replace(/\.(\d{3})Z$/, (_all, ms: string) => `.${ms}0000Z`);
    this.#lines.push(`${stamp} ${this.redact(text)}`);
  }

  error(text: string): void {
    this.line(`##[error]${text}`);
  }

  group(title: string, body: string[]): void {
    this.line(`##[group]${title}`);
    for (const line of body) this.line(line);
    this.line("##[endgroup]");
  }

  /** One line the Action printed: a workflow command is interpreted, anything else kept as it is. */
  output(raw: string): void {
    const command = /^::([a-z-]+)(?:\s+[^:]*)?::(.*)$/.exec(raw);
    if (!command) {
      this.line(raw);
      return;
    }
    const [, name, data = ""] = command;
    const message = unescapeCommandData(data);
    switch (name) {
      case "add-mask":
        this.mask(message);
        return;
      case "error":
      case "warning":
      case "notice":
        this.line(`##[${name}]${message}`);
        return;
      case "group":
        this.line(`##[group]${message}`);
        return;
      case "endgroup":
        this.line("##[endgroup]");
        return;
      case "debug":
        // Shown only with ACTIONS_STEP_DEBUG, which the twin never sets.
        return;
      default:
        this.line(raw);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is masked whole.
    for (const value of [...this.#masks].sort((a, b) => b.length - a.length))
      out = out.split(value).join("***");
    return out;
  }

  toString(): string {
    return this.#lines.length > 0 ? `${this.#lines.join("\n")}\n` : "";
  }
}

/** @actions/core escapes command data: % → %25, CR → %0D, LF → %0A. */
function unescapeCommandData(data: string): string {
  return data.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

/** Splits a stream into lines as they complete; `flush` yields the unterminated rest. */
export class LineSplitter {
  #rest = "";
  readonly #onLine: (line: string) => void;
  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }
  push(chunk: Buffer | string): void {
    const parts = (this.#rest + chunk.toString()).split(/\r?\n/);
    this.#rest = parts.pop() ?? "";
    for (const line of parts) this.#onLine(line);
  }
  flush(): void {
    if (this.#rest.length > 0) this.#onLine(this.#rest);
    this.#rest = "";
  }
}
