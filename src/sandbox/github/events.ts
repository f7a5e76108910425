// Domain events inside the GitHub twin. Route handlers emit them when state changes; the webhook module turns
// them into signed deliveries, and other modules react (a push updates pull requests, a dispatch starts a run).
import { EventEmitter } from "node:events";

export interface TwinEventMap {
  installation: { action: "created" | "deleted"; installationId: number; senderLogin: string };
  push: { repoFullName: string; ref: string; before: string | null; after: string; pusherLogin: string };
  issue_comment: {
    action: "created" | "edited" | "deleted";
    repoFullName: string;
    issueNumber: number;
    commentId: number;
    senderLogin: string;
    /** For edits: the body before. */
    previousBody?: string;
  };
  pull_request: {
    action: "opened" | "synchronize" | "closed" | "reopened" | "edited";
    repoFullName: string;
    number: number;
    senderLogin: string;
    before?: string;
    after?: string;
  };
  issues: {
    action: "opened" | "edited" | "closed" | "reopened" | "labeled" | "unlabeled";
    repoFullName: string;
    number: number;
    senderLogin: string;
    label?: string;
  };
  workflow_run: {
    action: "requested" | "in_progress" | "completed";
    repoFullName: string;
    runId: number;
    senderLogin: string;
  };
  workflow_dispatch: {
    repoFullName: string;
    workflowPath: string;
    ref: string;
    inputs: Record<string, string>;
    senderLogin: string;
    runId: number;
  };
}

export type TwinEventName = keyof TwinEventMap;

export class TwinEvents {
  readonly #emitter = new EventEmitter();

  on<K extends TwinEventName>(name: K, listener: (event: TwinEventMap[K]) => void): void {
    this.#emitter.on(name, listener);
  }

  emit<K extends TwinEventName>(name: K, event: TwinEventMap[K]): void {
    this.#emitter.emit(name, event);
  }
}
