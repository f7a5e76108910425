// Actions variables of an Environment: plain values like the repository's (served back), names upper-cased and
// validated like secrets, 201 on create and 409 when the name is taken (as the repository's variables answer),
// 204 on update and delete. The GitHub provider keeps each secret's fingerprint here.
import type { HandlerTable } from "../twin.ts";
import { environmentOr404 } from "./environments.ts";
import { variableRoutes } from "./variables.ts";

export const environmentVariableHandlers: HandlerTable = variableRoutes({
  operations: {
    list: "actions/list-environment-variables",
    get: "actions/get-environment-variable",
    create: "actions/create-environment-variable",
    update: "actions/update-environment-variable",
    delete: "actions/delete-environment-variable",
  },
  variablesOf: (ctx) => environmentOr404(ctx.repo(), ctx.params.environment_name ?? "").variables,
});
