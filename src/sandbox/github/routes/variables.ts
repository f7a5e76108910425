// Actions variables of a repository: plain values (unlike secrets, served back), names upper-cased like secrets.
import { GithubError, notFound } from "../errors.ts";
import { paginate } from "../paginate.ts";
import type { Repo, Variable } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { canonicalName } from "./secrets.ts";

function variableBody(variable: Variable) {
  return {
    name: variable.name,
    value: variable.value,
    created_at: variable.createdAt,
    updated_at: variable.updatedAt,
  };
}

function findVariable(ctx: HandlerContext, repo: Repo): Variable {
  const variable = repo.variables[(ctx.params.name ?? "").toUpperCase()];
  if (!variable) throw notFound();
  return variable;
}

function alreadyExists(name: string): GithubError {
  return new GithubError(409, `Already exists - Variable ${name} already exists.`);
}

export const variableHandlers: HandlerTable = {
  "actions/list-repo-variables": (ctx) => {
    const repo = ctx.repo();
    const all = Object.values(repo.variables).sort((a, b) => (a.name < b.name ? -1 : 1));
    // GitHub's defaults for variables: 10 per page, at most 30.
    const query = new URLSearchParams(ctx.query);
    if (!query.has("per_page")) query.set("per_page", "10");
    const { page, headers } = paginate({ ...ctx, query }, all, { maxPerPage: 30 });
    return { status: 200, body: { total_count: all.length, variables: page.map(variableBody) }, headers };
  },

  "actions/get-repo-variable": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: variableBody(findVariable(ctx, repo)) };
  },

  "actions/create-repo-variable": (ctx) => {
    const repo = ctx.repo();
    const name = canonicalName("Variable", String(ctx.body.name ?? ""));
    if (repo.variables[name]) throw alreadyExists(name);
    const now = ctx.now();
    repo.variables[name] = { name, value: String(ctx.body.value ?? ""), createdAt: now, updatedAt: now };
    return { status: 201, body: {} };
  },

  "actions/update-repo-variable": (ctx) => {
    const repo = ctx.repo();
    const variable = findVariable(ctx, repo);
    const renamed =
      typeof ctx.body.name === "string" ? canonicalName("Variable", ctx.body.name) : variable.name;
    if (renamed !== variable.name && repo.variables[renamed]) throw alreadyExists(renamed);
    delete repo.variables[variable.name];
    repo.variables[renamed] = {
      ...variable,
      name: renamed,
      value: typeof ctx.body.value === "string" ? ctx.body.value : variable.value,
      updatedAt: ctx.now(),
    };
    return { status: 204 };
  },

  "actions/delete-repo-variable": (ctx) => {
    const repo = ctx.repo();
    const variable = findVariable(ctx, repo);
    delete repo.variables[variable.name];
    return { status: 204 };
  },
};
