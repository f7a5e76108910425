// Every secret value the runner holds, in one place: registered as it arrives (the Environment's secrets, the
// deploy token read from Dokploy, the short-lived token from the App), announced to the host (the Action calls
// `core.setSecret`, so the runner masks its log too), and redacted again from anything we post — raw, URL- and
// JSON-escaped, base64 at every alignment, split across lines — plus secret-shaped strings we were never told
// about (DESIGN "Secrets by reference"). Posting goes through `redact`, never around it.
import { createHash } from "node:crypto";
import { createRedactor } from "../triage/redact.ts";

export interface SecretRegistryOptions {
  /** Told of each new value, e.g. `core.setSecret`. */
  onRegister?: (value: string) => void;
}

export class SecretRegistry {
  readonly #values = new Map<string, string>();
  readonly #onRegister: ((value: string) => void) | undefined;
  #redactor: ((text: string) => string) | undefined;

  constructor(options: SecretRegistryOptions = {}) {
    this.#onRegister = options.onRegister;
  }

  /** Registers a value under a name (the secret's, or what it is: `dokploy deploy token`). */
  add(name: string, value: string | undefined): void {
    if (value === undefined || value === "") return;
    if (this.#values.get(name) === value) return;
    this.#values.set(name, value);
    this.#onRegister?.(value);
    // Each line of a multi-line value too: the runner masks line by line.
    for (const line of value.split(/\r?\n/))
      if (line.trim() && line !== value) this.#onRegister?.(line.trim());
    this.#redactor = undefined;
  }

  /** Registers each entry of the `secrets` input (`${{ toJSON(secrets) }}`). */
  addAll(secrets: Record<string, string>): void {
    for (const [name, value] of Object.entries(secrets)) this.add(name, value);
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  names(): string[] {
    return [...this.#values.keys()].sort();
  }

  /** Text safe to post: every registered value and every secret-shaped string replaced. */
  redact(text: string): string {
    this.#redactor ??= createRedactor({ secrets: [...this.#values.values()] });
    const redactor = this.#redactor;
    // Whole (blocks such as private keys span lines), then line by line: the redactor recognises a value
    // wrapped across lines by its fragments at the line ends.
    return redactor(text)
      .split("\n")
      .map((line) => redactor(line))
      .join("\n");
  }
}

/** What a diff shows instead of a secret value: enough to tell two values apart, nothing to recover one. */
export function fingerprint(value: string): string {
  return `sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)}`;
}
