// Response shapes of the Dokploy procedures the twin serves, as JSON Schemas of our own. Dokploy's OpenAPI
// description types no output (every 200 is an empty closed object), so each schema here encodes what
// PROVIDERS.md §1 (../shared/specs/PROVIDERS.md, read from Dokploy's source) says the procedure returns; the
// line cited is the one in that file. Rows are open objects (`additionalProperties` allowed) because Dokploy's
// rows carry many more columns than we model, but every field we do serve is typed and required.
import { Ajv, type ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

const str = { type: "string" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const isoDate = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T" } as const;

function row(properties: Schema, extra: Schema = {}): Schema {
  return { type: "object", properties, required: Object.keys(properties), ...extra };
}

// PROVIDERS.md line 20: project.create returns `{project:{projectId,name,organizationId,…}, environment:{environmentId,name:"production",…}}`.
const project = row({
  projectId: str,
  name: str,
  description: nullableStr,
  createdAt: isoDate,
  organizationId: str,
  env: str,
});
const environment = row({
  environmentId: str,
  name: str,
  description: nullableStr,
  createdAt: isoDate,
  env: str,
  projectId: str,
});

// PROVIDERS.md line 22: an application row; `appName` = cleaned input + "-" + 6 random characters; defaults
// applicationStatus "idle", sourceType "github", autoDeploy true, refreshToken a nanoid.
const application = row({
  applicationId: str,
  name: str,
  appName: { type: "string", pattern: "^[a-zA-Z0-9._-]+-[a-z0-9]{6}$", maxLength: 63 + 7 },
  description: nullableStr,
  env: nullableStr,
  buildArgs: nullableStr,
  buildSecrets: nullableStr,
  createEnvFile: { type: "boolean" },
  applicationStatus: { enum: ["idle", "running", "done", "error"] },
  sourceType: { enum: ["github", "docker", "git", "gitlab", "bitbucket", "gitea", "drop"] },
  dockerImage: nullableStr,
  username: nullableStr,
  // PROVIDERS.md line 29: "The row includes `password` and `refreshToken` in clear text."
  password: nullableStr,
  registryUrl: nullableStr,
  autoDeploy: { type: "boolean" },
  refreshToken: { type: "string", minLength: 10 },
  environmentId: str,
  serverId: nullableStr,
  createdAt: isoDate,
});

// PROVIDERS.md line 25: a domain row: domainId, uniqueConfigKey (serial), createdAt, enabled: true, …
const domain = row({
  domainId: str,
  host: str,
  https: { type: "boolean" },
  port: { type: ["integer", "null"], minimum: 1, maximum: 65535 },
  path: nullableStr,
  uniqueConfigKey: { type: "integer", minimum: 1 },
  createdAt: isoDate,
  applicationId: nullableStr,
  composeId: nullableStr,
  domainType: { enum: ["compose", "application", "preview", null] },
  certificateType: { enum: ["letsencrypt", "none", "custom"] },
  enabled: { const: true },
});

// PROVIDERS.md line 30: `{deploymentId,title,description,status:"running"|"done"|"error"|"cancelled",logPath,pid,
// createdAt,startedAt,finishedAt,errorMessage,applicationId,composeId,serverId,…}`; line 31: the logPath pattern.
const deployment = row({
  deploymentId: str,
  title: str,
  description: nullableStr,
  status: { enum: ["running", "done", "error", "cancelled"] },
  logPath: {
    type: "string",
    pattern: "^/etc/dokploy/logs/[^/]+/[^/]+-\\d{4}-\\d{2}-\\d{2}:\\d{2}:\\d{2}:\\d{2}\\.log$",
  },
  pid: nullableStr,
  createdAt: isoDate,
  startedAt: { anyOf: [isoDate, { type: "null" }] },
  finishedAt: { anyOf: [isoDate, { type: "null" }] },
  errorMessage: nullableStr,
  applicationId: nullableStr,
  composeId: nullableStr,
  serverId: nullableStr,
});

const projectTree = {
  allOf: [
    project,
    row({
      // PROVIDERS.md line 21: projects → environments[] → applications[], compose[], …
      environments: {
        type: "array",
        items: {
          allOf: [
            environment,
            row({ applications: { type: "array", items: application }, compose: { type: "array" } }),
          ],
        },
      },
    }),
  ],
};

/** A procedure's success body; `undefined` means "no body at all" (PROVIDERS.md line 27: deploy answers 200 empty). */
export const successSchemas: Record<string, Schema | undefined> = {
  "project-all": { type: "array", items: projectTree },
  "project-one": projectTree,
  "project-create": row({ project, environment }),
  "application-create": application,
  // PROVIDERS.md line 29: the row plus environment.project, domains[], deployments[], mounts, ports, redirects,
  // security, registry, server, hasGitProviderAccess, unauthorizedProvider.
  "application-one": {
    allOf: [
      application,
      row({
        environment: { allOf: [environment, row({ project })] },
        domains: { type: "array", items: domain },
        deployments: { type: "array", items: deployment },
        mounts: { type: "array" },
        ports: { type: "array" },
        redirects: { type: "array" },
        security: { type: "array" },
        registry: { type: "null" },
        server: { type: "null" },
        hasGitProviderAccess: { type: "boolean" },
        unauthorizedProvider: { type: "boolean" },
      }),
    ],
  },
  // PROVIDERS.md lines 23-24: saveDockerProvider and saveEnvironment return `true`.
  "application-saveDockerProvider": { const: true },
  "application-saveEnvironment": { const: true },
  "application-deploy": undefined,
  "application-redeploy": undefined,
  "domain-create": domain,
  "domain-byApplicationId": { type: "array", items: domain },
  "deployment-all": { type: "array", items: deployment },
  // PROVIDERS.md line 31: a string, `tail -n` of the log file; empty if there is none.
  "deployment-readLogs": { type: "string" },
  // PROVIDERS.md line 32: a string, the output of `docker container logs --timestamps`.
  "application-readLogs": { type: "string" },
  // Not in PROVIDERS.md: Dokploy's application.update returns true, domain.update the updated row.
  "application-update": { const: true },
  "domain-update": domain,
  // Not in PROVIDERS.md: domain.delete returns the row it removed.
  "domain-delete": domain,
  // Not in PROVIDERS.md: application.delete and project.remove return the row they removed (Dokploy's routers
  // return the `.returning()` row of the delete, as we read them; unverified against a live server).
  "application-delete": application,
  "project-remove": project,
  // Not in PROVIDERS.md: Dokploy's settings router returns its package.json version, a `v`-prefixed semver.
  "settings-getDokployVersion": { type: "string", pattern: "^v?\\d+\\.\\d+\\.\\d+" },
};

// PROVIDERS.md line 12: `{message, code, data:{code, httpStatus, path, zodError}, issues?}`.
const trpcError = {
  type: "object",
  properties: {
    message: str,
    code: {
      enum: [
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "CONFLICT",
        "UNSUPPORTED_MEDIA_TYPE",
        "PARSE_ERROR",
        "INTERNAL_SERVER_ERROR",
      ],
    },
    data: row({
      code: str,
      httpStatus: { type: "integer" },
      path: str,
      zodError: { type: ["object", "null"] },
    }),
    issues: { type: "array", items: { type: "object", required: ["message"], properties: { message: str } } },
  },
  required: ["message", "code", "data"],
  additionalProperties: false,
};
// PROVIDERS.md line 13: a missing or invalid key is refused before tRPC with exactly `{"message":"Unauthorized"}`.
const preTrpcUnauthorized = {
  type: "object",
  properties: { message: { const: "Unauthorized" } },
  required: ["message"],
  additionalProperties: false,
};

const STATUS_OF_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
};

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();
function compile(key: string, schema: Schema): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

function problems(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `${where}${e.instancePath} ${e.message ?? "is invalid"}`);
}

/**
 * Validates a response the twin is about to send. Fail-closed: a procedure without a schema here, a success body
 * where none is expected (or the reverse), or an error whose status does not match its tRPC code is a violation.
 */
export function validateDokployResponse(operationId: string, status: number, body: unknown): string[] {
  if (status === 200) {
    if (!(operationId in successSchemas))
      return [`no response schema for ${operationId} (PROVIDERS.md documents none)`];
    const schema = successSchemas[operationId];
    if (schema === undefined)
      return body === undefined ? [] : [`${operationId} answers 200 with an empty body, but one was sent`];
    if (body === undefined) return [`${operationId} must answer 200 with a body`];
    const validate = compile(operationId, schema);
    return validate(body) ? [] : problems("response 200", validate);
  }
  if (status === 401 && (body as { code?: unknown } | undefined)?.code === undefined) {
    const validate = compile("pre-trpc-401", preTrpcUnauthorized);
    return validate(body) ? [] : problems("response 401", validate);
  }
  const validate = compile("trpc-error", trpcError);
  if (!validate(body)) return problems(`response ${status}`, validate);
  const { code, data } = body as { code: string; data: { httpStatus: number } };
  const expected = STATUS_OF_CODE[code];
  if (expected !== status || data.httpStatus !== status)
    return [`error code ${code} is served with status ${status}, Dokploy uses ${expected}`];
  return [];
}

/** Injected faults (not Dokploy's own answers): a proxy's 429 and 5xx bodies. */
export function validateFaultResponse(
  status: number,
  body: unknown,
  headers: Record<string, string>,
): string[] {
  if (status === 429) {
    return /^\d+$/.test(headers["retry-after"] ?? "") ? [] : ["a 429 must carry Retry-After in seconds"];
  }
  if (status >= 500 && status <= 599)
    return typeof (body as { message?: unknown })?.message === "string"
      ? []
      : [`fault ${status} needs a message`];
  return [`status ${status} is not a fault status`];
}
