// Actions secrets of a repository and of its Environments. Values arrive sealed (libsodium sealed box) for the
// holder's public key; the twin opens them for real and keeps the plaintext for workflow runs. No response
// ever carries a value: every body here is built from the name and timestamps only.
import { GithubError, notFound } from "../errors.ts";
import { paginate } from "../paginate.ts";
import { openSealed } from "../secret-box.ts";
import type { Repo, Secret, SecretBox } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { environmentOr404 } from "./environments.ts";

interface SecretHolder {
  box: SecretBox;
  secrets: Record<string, Secret>;
}

/**
 * GitHub's naming rules for secrets and variables (from its docs, not the description): letters, digits and
 * underscores, not starting with a digit or `GITHUB_`; case-insensitive, stored upper-case.
 */
export function canonicalName(kind: "Secret" | "Variable", name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new GithubError(
      422,
      `${kind} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).`,
    );
  }
  if (/^GITHUB_/i.test(name)) throw new GithubError(422, `${kind} names must not start with GITHUB_.`);
  return name.toUpperCase();
}

function repoHolder(ctx: HandlerContext): SecretHolder {
  const repo = ctx.repo();
  return { box: repo.secretBox, secrets: repo.secrets };
}

function environmentHolder(ctx: HandlerContext): SecretHolder {
  const repo: Repo = ctx.repo();
  const environment = environmentOr404(repo, ctx.params.environment_name ?? "");
  return { box: environment.secretBox, secrets: environment.secrets };
}

function secretBody(secret: Secret) {
  return { name: secret.name, created_at: secret.createdAt, updated_at: secret.updatedAt };
}

function findSecret(ctx: HandlerContext, holder: SecretHolder): Secret {
  const secret = holder.secrets[(ctx.params.secret_name ?? "").toUpperCase()];
  if (!secret) throw notFound();
  return secret;
}

function secretGroup(holder: (ctx: HandlerContext) => SecretHolder) {
  return {
    publicKey: (ctx: HandlerContext) => {
      const { box } = holder(ctx);
      return { status: 200, body: { key_id: box.keyId, key: box.publicKey } };
    },

    list: (ctx: HandlerContext) => {
      const { secrets } = holder(ctx);
      const all = Object.values(secrets).sort((a, b) => (a.name < b.name ? -1 : 1));
      const { page, headers } = paginate(ctx, all);
      return { status: 200, body: { total_count: all.length, secrets: page.map(secretBody) }, headers };
    },

    get: (ctx: HandlerContext) => ({ status: 200, body: secretBody(findSecret(ctx, holder(ctx))) }),

    put: (ctx: HandlerContext) => {
      const { box, secrets } = holder(ctx);
      const name = canonicalName("Secret", ctx.params.secret_name ?? "");
      if (ctx.body.key_id !== box.keyId)
        throw new GithubError(422, "Bad request. key_id does not match the current public key.");
      const value = openSealed(box, String(ctx.body.encrypted_value ?? ""));
      if (value === undefined)
        throw new GithubError(422, "Bad request. Unable to decrypt the secret value with the given key.");
      const now = ctx.now();
      const existing = secrets[name];
      secrets[name] = { name, value, createdAt: existing?.createdAt ?? now, updatedAt: now };
      return existing ? { status: 204 } : { status: 201, body: {} };
    },

    delete: (ctx: HandlerContext) => {
      const holderNow = holder(ctx);
      const secret = findSecret(ctx, holderNow);
      delete holderNow.secrets[secret.name];
      return { status: 204 };
    },
  };
}

const repoSecrets = secretGroup(repoHolder);
const environmentSecrets = secretGroup(environmentHolder);

export const secretHandlers: HandlerTable = {
  "actions/get-repo-public-key": repoSecrets.publicKey,
  "actions/list-repo-secrets": repoSecrets.list,
  "actions/get-repo-secret": repoSecrets.get,
  "actions/create-or-update-repo-secret": repoSecrets.put,
  "actions/delete-repo-secret": repoSecrets.delete,
  "actions/get-environment-public-key": environmentSecrets.publicKey,
  "actions/list-environment-secrets": environmentSecrets.list,
  "actions/get-environment-secret": environmentSecrets.get,
  "actions/create-or-update-environment-secret": environmentSecrets.put,
  "actions/delete-environment-secret": environmentSecrets.delete,
};
