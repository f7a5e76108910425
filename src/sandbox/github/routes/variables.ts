// Actions variables of a repository: plain values (unlike secrets, served back), names upper-cased like secrets.
// An Environment's variables answer the same way, so `variableRoutes` serves both scopes.
import { GithubError, notFound } from "../errors.ts";
import type { GithubOperationId } from "../operations.ts";
import { paginate } from "../paginate.ts";
import type { Variable } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { canonicalName } from "./secrets.ts";

type Variables = Record<string, Variable>;

function variableBody(variable: Variable) {
  return {
    name: variable.name,
    value: variable.value,
    created_at: variable.createdAt,
    updated_at: variable.updatedAt,
  };
}

function findVariable(ctx: HandlerContext, variables: Variables): Variable {
  const variable = variables[(ctx.params.name ?? "").toUpperCase()];
  if (!variable) throw notFound();
  return variable;
}

function alreadyExists(name: string): GithubError {
  return new GithubError(409, `Already exists - Variable ${name} already exists.`);
}

/**
 * The list/get/create/update/delete routes over one scope's variables: `variablesOf` finds the scope (and
 * answers 404 for a missing one) before anything else is looked at.
 */
export function variableRoutes(options: {
  operations: Record<"list" | "get" | "create" | "update" | "delete", GithubOperationId>;
  variablesOf: (ctx: HandlerContext) => Variables;
}): HandlerTable {
  const { operations, variablesOf } = options;
  return {
    [operations.list]: (ctx: HandlerContext) => {
      const variables = variablesOf(ctx);
      const all = Object.values(variables).sort((a, b) => (a.name < b.name ? -1 : 1));
      // GitHub's defaults for variables: 10 per page, at most 30.
      const query = new URLSearchParams(ctx.query);
      if (!query.has("per_page")) query.set("per_page", "10");
      const { page, headers } = paginate({ ...ctx, query }, all, { maxPerPage: 30 });
      return { status: 200, body: { total_count: all.length, variables: page.map(variableBody) }, headers };
    },

    [operations.get]: (ctx: HandlerContext) => ({
      status: 200,
      body: variableBody(findVariable(ctx, variablesOf(ctx))),
    }),

    [operations.create]: (ctx: HandlerContext) => {
      const variables = variablesOf(ctx);
      const name = canonicalName("Variable", String(ctx.body.name ?? ""));
      if (variables[name]) throw alreadyExists(name);
      const now = ctx.now();
      variables[name] = { name, value: String(ctx.body.value ?? ""), createdAt: now, updatedAt: now };
      return { status: 201, body: {} };
    },

    [operations.update]: (ctx: HandlerContext) => {
      const variables = variablesOf(ctx);
      const variable = findVariable(ctx, variables);
      const renamed =
        typeof ctx.body.name === "string" ? canonicalName("Variable", ctx.body.name) : variable.name;
      if (renamed !== variable.name && variables[renamed]) throw alreadyExists(renamed);
      delete variables[variable.name];
      variables[renamed] = {
        ...variable,
        name: renamed,
        value: typeof ctx.body.value === "string" ? ctx.body.value : variable.value,
        updatedAt: ctx.now(),
      };
      return { status: 204 };
    },

    [operations.delete]: (ctx: HandlerContext) => {
      const variables = variablesOf(ctx);
      delete variables[findVariable(ctx, variables).name];
      return { status: 204 };
    },
  };
}

export const variableHandlers: HandlerTable = variableRoutes({
  operations: {
    list: "actions/list-repo-variables",
    get: "actions/get-repo-variable",
    create: "actions/create-repo-variable",
    update: "actions/update-repo-variable",
    delete: "actions/delete-repo-variable",
  },
  variablesOf: (ctx) => ctx.repo().variables,
});
