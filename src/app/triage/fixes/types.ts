// The shape every fix recipe shares. A recipe is a pure function: files read from the repository at the
// failing commit plus the engine's diagnosis in, file changes and the pull request's words out, or the reason
// it does not apply. It never reads the network, the clock or the log's free text beyond the evidence lines.
import type { Diagnosis } from "../../../triage/index.ts";

export interface TreeEntry {
  path: string;
  size?: number;
}

export interface FixInput {
  diagnosis: Diagnosis;
  /** The files the recipe asked for (wants), read at the commit being fixed; absent paths do not exist. */
  files: Readonly<Record<string, string>>;
  /** The failing run's workflow file (`.github/workflows/…`), from the run, never from the log. */
  workflowPath?: string;
  /** The failing job's name as the API reports it. */
  jobName?: string;
}

export type FixOutcome =
  | {
      applies: true;
      /** New contents by path (created or replaced). */
      changes: Record<string, string>;
      title: string;
      /** Markdown: what changes and why, with untrusted values already fenced or code-spanned. */
      body: string;
      /** One line for the triage comment: what `/devops fix` would change. */
      summary: string;
    }
  | { applies: false; reason: string };

export interface FixRecipe {
  id: string;
  /** Whether the diagnosis is this recipe's kind at all (cheap, no files). */
  matches(diagnosis: Diagnosis): boolean;
  /** Which paths of the tree to read for `apply`. */
  wants(tree: readonly TreeEntry[], input: Pick<FixInput, "workflowPath">): string[];
  apply(input: FixInput): FixOutcome;
}

export function refuse(reason: string): FixOutcome {
  return { applies: false, reason };
}
