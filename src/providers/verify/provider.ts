// The verify provider: the plan's read-only `verify` steps, run for real in production and in the sandbox
// alike. `read` is one check; `apply` re-checks until it passes (DNS propagates, an app starts), then fails
// with the last check's evidence.
import type { Step } from "../../plan/types.ts";
import { type LiveState, PostconditionError, type Provider, ProviderError } from "../types.ts";
import {
  type CheckContext,
  checkDns,
  checkHttp,
  checkLog,
  checkTls,
  type DnsDesired,
  type HttpDesired,
  type LogDesired,
  type Outcome,
  type TlsDesired,
} from "./checks.ts";
import { authoritativeLookup, configuredLookup, type Lookup } from "./resolve.ts";
import type { CheckName, CheckResult, VerifyProviderOptions } from "./types.ts";

const ACTIONS = new Set<string>(["dns", "tls", "http", "log"]);

export class VerifyProvider implements Provider {
  readonly name = "verify" as const;
  readonly #context: CheckContext;
  readonly #attempts: number;
  readonly #interval: number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Each step's latest check, so a report shows the evidence its verdict was made on without checking again. */
  readonly #last = new Map<string, CheckResult>();

  constructor(options: VerifyProviderOptions = {}) {
    const timeout = options.timeout ?? 5000;
    const configured = options.resolver?.length ? configuredLookup(options.resolver, timeout) : undefined;
    const authoritative = new Map<string, Promise<Lookup>>();
    this.#context = {
      lookup: (name) => {
        if (configured) return Promise.resolve(configured);
        let lookup = authoritative.get(name);
        if (!lookup) {
          lookup = authoritativeLookup(name, timeout);
          lookup.catch(() => authoritative.delete(name));
          authoritative.set(name, lookup);
        }
        return lookup;
      },
      ca: options.ca?.length ? options.ca : undefined,
      ports: { https: options.ports?.https ?? 443, http: options.ports?.http ?? 80 },
      readLogs: options.readLogs,
      connectTo: options.connectTo ?? ((address) => address),
      timeout,
    };
    this.#attempts = Math.max(1, options.attempts ?? 10);
    this.#interval = options.interval ?? 3000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  handles(step: Step): boolean {
    return step.provider === "verify" && ACTIONS.has(step.action);
  }

  /** Runs the step's check once. */
  async check(step: Step): Promise<CheckResult> {
    return (await this.#run(step)).result;
  }

  /** The step's latest check (by read, apply or check), if it ran. */
  lastCheck(step: Step): CheckResult | undefined {
    return this.#last.get(step.id);
  }

  async read(step: Step): Promise<LiveState> {
    const { state } = await this.#run(step);
    return { exists: true, ours: true, state };
  }

  async apply(step: Step): Promise<LiveState> {
    let last: Outcome | undefined;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      last = await this.#run(step);
      if (last.result.ok) return { exists: true, ours: true, state: last.state };
      if (attempt < this.#attempts) await this.#sleep(this.#interval);
    }
    // The loop ran at least once: attempts ≥ 1.
    const outcome = last as Outcome;
    throw new PostconditionError({
      provider: "verify",
      message:
        `${outcome.result.name} check of ${step.target} did not pass after ${this.#attempts} attempts ` +
        `${this.#interval} ms apart: ${outcome.result.detail}`,
      live: { exists: true, ours: true, state: outcome.state },
    });
  }

  async #run(step: Step): Promise<Outcome> {
    const outcome = await this.#check(step);
    this.#last.set(step.id, outcome.result);
    return outcome;
  }

  async #check(step: Step): Promise<Outcome> {
    if (!this.handles(step)) {
      throw new ProviderError({
        provider: "verify",
        reason: "unsupported-step",
        message: `the verify provider has no check "${step.action}" (${step.id}); it checks ${[...ACTIONS].join(", ")}`,
      });
    }
    const name = step.action as CheckName;
    try {
      switch (name) {
        case "dns":
          return await checkDns(step.desired as DnsDesired, this.#context);
        case "tls":
          return await checkTls(step.desired as TlsDesired, this.#context);
        case "http":
          return await checkHttp(step.desired as HttpDesired, this.#context);
        case "log":
          return await checkLog(step.desired as LogDesired, this.#context);
      }
    } catch (error) {
      // A check that could not run has not passed: say why, never report it green.
      return {
        result: {
          name,
          target: step.target,
          ok: false,
          detail: `the ${name} check of ${step.target} could not run: ${(error as Error).message}`,
          evidence: {},
        },
        state: { error: (error as Error).message },
      };
    }
  }
}
