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
/** A rollback's step: remove the secret (and its fingerprint variable) an apply stored. `desired` is null. */
export const ACTIONS_SECRET_DELETE = "actions-secret.delete";
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
  /**
   * The plan's environment: where a step that names none looks (a rollback's delete names only the secret, as
   * its target). Without it such a step is refused as `bad-step`.
   */
  environment?: string;
}

export class GithubSecretsProvider implements Provider {
  readonly name: ProviderName = "github";
  readonly #gh: Pick<Octokit, "rest" | "request">;
  readonly #owner: string;
  readonly #repo: string;
  readonly #values: (valueFrom: string) => Promise<string>;
  readonly #retry: RetryOptions;
  readonly #environment: string | undefined;

  constructor(options: GithubSecretsProviderOptions) {
    this.#gh = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#values = options.values;
    this.#retry = options.retry ?? {};
    this.#environment = options.environment;
  }

  handles(step: Step): boolean {
    return (
      step.provider === "github" &&
      (step.action === ACTIONS_SECRET_SET || step.action === ACTIONS_SECRET_DELETE)
    );
  }

  async read(step: Step): Promise<LiveState> {
    if (step.action === ACTIONS_SECRET_DELETE) return this.#readToDelete(this.#deleteTarget(step));
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
    if (step.action === ACTIONS_SECRET_DELETE) return this.#applyDelete(step);
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

  // ---- actions-secret.delete

  /** Ours when our fingerprint variable stands beside it; the value is never read (GitHub never serves it). */
  async #readToDelete(d: SecretRef): Promise<LiveState> {
    if (!(await this.#secretExists(d))) return { exists: false };
    const ours = (await this.#readFingerprint(d)) !== null;
    return { exists: true, ours, state: { name: d.name, environment: d.environment } };
  }

  /**
   * The secret first, then its variable: a crash between leaves no secret (done) rather than a secret without
   * its claim (which would read as someone else's). Each delete that finds nothing is done: a lost answer to our
   * own delete, or a second run.
   */
  async #applyDelete(step: Step): Promise<LiveState> {
    const d = this.#deleteTarget(step);
    const before = await this.#readToDelete(d);
    if (before.exists && !before.ours && !step.adopt) {
      throw new ProviderError({
        provider: this.name,
        reason: "not-ours",
        message:
          `secret ${d.name} in environment ${d.environment} of ${this.#owner}/${this.#repo} is not ours ` +
          `(no ${variableName(d.name)} variable); the rollback leaves it alone unless the plan adopts it`,
      });
    }
    if (before.exists) {
      await this.#call(`delete secret ${d.name}`, d, () =>
        gone(() => this.#gh.rest.actions.deleteEnvironmentSecret({ ...this.#scope(d), secret_name: d.name })),
      );
    }
    const name = variableName(d.name);
    if ((await this.#readFingerprint(d)) !== null) {
      await this.#call(`delete variable ${name}`, d, () =>
        gone(() => this.#gh.rest.actions.deleteEnvironmentVariable({ ...this.#scope(d), name })),
      );
    }
    const after = await this.#readToDelete(d);
    if (after.exists) {
      throw new PostconditionError({
        provider: this.name,
        message: `secret ${d.name} in environment ${d.environment} still reads back after its delete`,
        live: after,
      });
    }
    return after;
  }

  /** The secret is the step's target; its environment the provider's (the plan's). */
  #deleteTarget(step: Step): SecretRef {
    const name = step.target.trim();
    const environment = this.#environment;
    if (step.desired !== null || !validName(name) || !environment) {
      throw new ProviderError({
        provider: "github",
        reason: "bad-step",
        message: environment
          ? `step ${step.id}: a ${ACTIONS_SECRET_DELETE} step targets the secret's name (letters, digits, _; not GITHUB_…) and desires null (absent)`
          : `step ${step.id}: deleting a secret needs the plan's environment: build the GitHub provider with environment set`,
      });
    }
    return { name, environment };
  }

  async #secretExists(d: SecretRef): Promise<boolean> {
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
  async #readFingerprint(d: SecretRef): Promise<string | null> {
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

  #scope(d: SecretRef) {
    return { owner: this.#owner, repo: this.#repo, environment_name: d.environment };
  }

  /**
   * Retries what may pass, then turns GitHub's answer into a ProviderError that says what to change. The
   * Octokit error is not kept as `cause`: its request carries the sealed value and the token header.
   */
  async #call<T>(what: string, d: SecretRef, fn: () => Promise<T>): Promise<T> {
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
type SecretRef = Pick<Desired, "name" | "environment">;

/** A delete that finds nothing is done (our own earlier delete, whose answer may have been lost). */
async function gone(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
}

function validName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^GITHUB_/i.test(name);
}

/** The Environment variable that records a secret's fingerprint. */
export function variableName(secretName: string): string {
  return `${FINGERPRINT_PREFIX}${secretName.toUpperCase()}`;
}

function hint(status: number, d: SecretRef): string {
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
    !validName(d.name) ||
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
