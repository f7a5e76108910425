// The GitHub provider: `actions-secret.set`, an Environment secret of the deploy environment (DESIGN rule 6)
// whose value exists only in the runner (`values(valueFrom)`), sealed for the Environment's public key.
// GitHub never serves a secret's value and has no tags on secrets, so ownership and currency live in an
// Environment variable beside it: `DEVOPS_AGENT_FP_<NAME>` holding the value's fingerprint. The variable is
// written first as `pending:<fingerprint>` (claims the name before the secret exists, so a crash after the
// secret write resumes as ours instead of looking foreign) and set to the fingerprint once the secret is in.
import type { Octokit } from "@octokit/rest";
import type { ProviderName, Step } from "../../plan/types.ts";
import { matches } from "../judge.ts";
import { type LiveState, PostconditionError, type Provider, ProviderError } from "../types.ts";
import { httpStatus, type RetryOptions, withRetry } from "./retry.ts";
import { fingerprint, sealSecret } from "./seal.ts";

export const ACTIONS_SECRET_SET = "actions-secret.set";
export const FINGERPRINT_PREFIX = "DEVOPS_AGENT_FP_";
const PENDING = "pending:";

/** The part of an Environment secret we read and compare, in the shape of the step's `desired`. */
export interface ActionsSecretState {
  name: string;
  environment: string;
  /** Where the value comes from; `stale:<recorded fingerprint>` when the live secret holds another value. */
  valueFrom?: string;
}

export interface GithubSecretsProviderOptions {
  /**
   * An @octokit/rest client with a short-lived installation token limited to this repository. In the twin
   * (and, as we read GitHub's App permission list, on GitHub) an Environment's secrets and variables need
   * `environments: write`.
   */
  octokit: Pick<Octokit, "rest" | "request">;
  owner: string;
  repo: string;
  /** Resolves a step's `valueFrom` in the runner (e.g. the Dokploy application's deploy token). */
  values: (valueFrom: string) => Promise<string>;
  /** Per-request retries of 429/403-rate-limit/5xx/lost connections. */
  retry?: RetryOptions;
}

export class GithubSecretsProvider implements Provider {
  readonly name: ProviderName = "github";
  readonly #gh: Pick<Octokit, "rest" | "request">;
  readonly #owner: string;
  readonly #repo: string;
  readonly #values: (valueFrom: string) => Promise<string>;
  readonly #retry: RetryOptions;

  constructor(options: GithubSecretsProviderOptions) {
    this.#gh = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#values = options.values;
    this.#retry = options.retry ?? {};
  }

  handles(step: Step): boolean {
    return step.provider === "github" && step.action === ACTIONS_SECRET_SET;
  }

  async read(step: Step): Promise<LiveState> {
    const desired = desiredOf(step);
    const recorded = await this.#readFingerprint(desired);
    if (!(await this.#secretExists(desired))) return { exists: false };
    if (recorded === null) {
      return { exists: true, ours: false, state: { name: desired.name, environment: desired.environment } };
    }
    const current = fingerprint(await this.#values(desired.valueFrom));
    const valueFrom = recorded === current ? desired.valueFrom : `stale:${recorded}`;
    return {
      exists: true,
      ours: true,
      state: { name: desired.name, environment: desired.environment, valueFrom },
    };
  }

  async apply(step: Step): Promise<LiveState> {
    const desired = desiredOf(step);
    const before = await this.read(step);
    if (before.exists && !before.ours && !step.adopt) {
      throw new ProviderError({
        provider: this.name,
        reason: "not-ours",
        message:
          `secret ${desired.name} in environment ${desired.environment} of ${this.#owner}/${this.#repo} exists ` +
          `and is not ours (no ${variableName(desired.name)} variable); the plan does not adopt it`,
      });
    }
    if (!(before.exists && before.ours && matches(before, desired))) {
      const value = await this.#values(desired.valueFrom);
      const fp = fingerprint(value);
      await this.#writeFingerprint(desired, `${PENDING}${fp}`);
      await this.#writeSecret(desired, value);
      await this.#writeFingerprint(desired, fp);
    }
    // Postcondition, against GitHub: the secret is there and the recorded fingerprint is the value's.
    const after = await this.read(step);
    if (!(after.exists && after.ours && matches(after, desired))) {
      throw new PostconditionError({
        provider: this.name,
        message: `secret ${desired.name} in environment ${desired.environment} does not read back as set after apply`,
        live: after,
      });
    }
    return after;
  }

  async #secretExists(d: Desired): Promise<boolean> {
    return this.#call(`read secret ${d.name}`, d, async () => {
      try {
        await this.#gh.rest.actions.getEnvironmentSecret({ ...this.#scope(d), secret_name: d.name });
        return true;
      } catch (error) {
        if (httpStatus(error) === 404) return false;
        throw error;
      }
    });
  }

  /** The recorded fingerprint (`sha256:…` or `pending:sha256:…`), or null when there is no variable. */
  async #readFingerprint(d: Desired): Promise<string | null> {
    return this.#call(`read variable ${variableName(d.name)}`, d, async () => {
      try {
        const { data } = await this.#gh.rest.actions.getEnvironmentVariable({
          ...this.#scope(d),
          name: variableName(d.name),
        });
        return data.value;
      } catch (error) {
        if (httpStatus(error) === 404) return null;
        throw error;
      }
    });
  }

  /** Create or update, tolerating our own create that committed while its answer was lost (409). */
  async #writeFingerprint(d: Desired, value: string): Promise<void> {
    const name = variableName(d.name);
    const existing = await this.#readFingerprint(d);
    if (existing === value) return;
    await this.#call(`write variable ${name}`, d, async () => {
      if (existing === null) {
        try {
          await this.#gh.rest.actions.createEnvironmentVariable({ ...this.#scope(d), name, value });
          return;
        } catch (error) {
          if (httpStatus(error) !== 409) throw error;
        }
      }
      await this.#gh.rest.actions.updateEnvironmentVariable({ ...this.#scope(d), name, value });
    });
  }

  /** PUT is create-or-update, so a retry after a lost answer is harmless. A 422 may be a stale key: refetch once. */
  async #writeSecret(d: Desired, value: string): Promise<void> {
    const put = async () => {
      const { data: key } = await this.#gh.rest.actions.getEnvironmentPublicKey(this.#scope(d));
      await this.#gh.rest.actions.createOrUpdateEnvironmentSecret({
        ...this.#scope(d),
        secret_name: d.name,
        encrypted_value: sealSecret(value, key.key),
        key_id: key.key_id,
      });
    };
    await this.#call(`write secret ${d.name}`, d, async () => {
      try {
        await put();
      } catch (error) {
        if (httpStatus(error) !== 422) throw error;
        await put();
      }
    });
  }

  #scope(d: Desired) {
    return { owner: this.#owner, repo: this.#repo, environment_name: d.environment };
  }

  /**
   * Retries what may pass, then turns GitHub's answer into a ProviderError that says what to change. The
   * Octokit error is not kept as `cause`: its request carries the sealed value and the token header.
   */
  async #call<T>(what: string, d: Desired, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, this.#retry);
    } catch (error) {
      const status = httpStatus(error);
      if (status === undefined) throw error;
      throw new ProviderError({
        provider: this.name,
        reason: `http-${status}`,
        message: `${what} in environment ${d.environment} of ${this.#owner}/${this.#repo}: GitHub answered ${status}. ${hint(status, d)}`,
      });
    }
  }
}

type Desired = Required<ActionsSecretState>;

/** The Environment variable that records a secret's fingerprint. */
export function variableName(secretName: string): string {
  return `${FINGERPRINT_PREFIX}${secretName.toUpperCase()}`;
}

function hint(status: number, d: Desired): string {
  if (status === 404)
    return `Create the Environment "${d.environment}" (Settings → Environments) and make sure the App is installed on the repository.`;
  if (status === 403)
    return "The token must reach this repository with environments: write (an Environment's secrets and variables).";
  if (status === 422) return "GitHub refused the value or the secret name; check the name's characters.";
  return "Try again later; GitHub may be degraded or rate limiting.";
}

function desiredOf(step: Step): Desired {
  const d = step.desired as Partial<ActionsSecretState> | null;
  if (
    !d ||
    typeof d.name !== "string" ||
    !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.name) ||
    /^GITHUB_/i.test(d.name) ||
    typeof d.environment !== "string" ||
    d.environment === "" ||
    typeof d.valueFrom !== "string"
  ) {
    throw new ProviderError({
      provider: "github",
      reason: "bad-step",
      message: `step ${step.id}: desired must name the secret (letters, digits, _; not GITHUB_…), its environment and valueFrom`,
    });
  }
  return { name: d.name, environment: d.environment, valueFrom: d.valueFrom };
}
