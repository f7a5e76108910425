// Actions variables of an Environment: plain values like the repository's (served back), names upper-cased and
// validated like secrets, 201 on create and 409 when the name is taken (as the repository's variables answer),
// 204 on update and delete. The GitHub provider keeps each secret's fingerprint here.
import { GithubError, notFound } from "../errors.ts";
import { paginate } from "../paginate.ts";
import type { Environment, Variable } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { environmentOr404 } from "./environments.ts";
import { canonicalName } from "./secrets.ts";

function environmentOf(ctx: HandlerContext): Environment {
  return environmentOr404(ctx.repo(), ctx.params.environment_name ?? "");
}

function variableBody(variable: Variable) {
  return {
    name: variable.name,
    value: variable.value,
    created_at: variable.createdAt,
    updated_at: variable.updatedAt,
  };
}

function findVariable(ctx: HandlerContext, environment: Environment): Variable {
  const variable = environment.variables[(ctx.params.name ?? "").toUpperCase()];
  if (!variable) throw notFound();
  return variable;
}

function alreadyExists(name: string): GithubError {
  return new GithubError(409, `Already exists - Variable ${name} already exists.`);
}

export const environmentVariableHandlers: HandlerTable = {
  "actions/list-environment-variables": (ctx) => {
    const environment = environmentOf(ctx);
    const all = Object.values(environment.variables).sort((a, b) => (a.name < b.name ? -1 : 1));
    // GitHub's defaults for variables: 10 per page, at most 30.
    const query = new URLSearchParams(ctx.query);
    if (!query.has("per_page")) query.set("per_page", "10");
    const { page, headers } = paginate({ ...ctx, query }, all, { maxPerPage: 30 });
    return { status: 200, body: { total_count: all.length, variables: page.map(variableBody) }, headers };
  },

  "actions/get-environment-variable": (ctx) => ({
    status: 200,
    body: variableBody(findVariable(ctx, environmentOf(ctx))),
  }),

  "actions/create-environment-variable": (ctx) => {
    const environment = environmentOf(ctx);
    const name = canonicalName("Variable", String(ctx.body.name ?? ""));
    if (environment.variables[name]) throw alreadyExists(name);
    const now = ctx.now();
    environment.variables[name] = {
      name,
      value: String(ctx.body.value ?? ""),
      createdAt: now,
      updatedAt: now,
    };
    return { status: 201, body: {} };
  },

  "actions/update-environment-variable": (ctx) => {
    const environment = environmentOf(ctx);
    const variable = findVariable(ctx, environment);
    const renamed =
      typeof ctx.body.name === "string" ? canonicalName("Variable", ctx.body.name) : variable.name;
    if (renamed !== variable.name && environment.variables[renamed]) throw alreadyExists(renamed);
    delete environment.variables[variable.name];
    environment.variables[renamed] = {
      ...variable,
      name: renamed,
      value: typeof ctx.body.value === "string" ? ctx.body.value : variable.value,
      updatedAt: ctx.now(),
    };
    return { status: 204 };
  },

  "actions/delete-environment-variable": (ctx) => {
    const environment = environmentOf(ctx);
    const variable = findVariable(ctx, environment);
    delete environment.variables[variable.name];
    return { status: 204 };
  },
};
