// The .devops/ configuration schema: the single source of truth. The JSON Schema editors use is generated
// from it (`npm run gen:config-schema`); nothing validates config by hand beside it.
import { z } from "zod";

const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a secret name: letters, digits and _, not starting with a digit")
  .refine((name) => !name.toUpperCase().startsWith("GITHUB_"), "secret names may not start with GITHUB_");

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    "a DNS host name such as app.example.com",
  );

const healthPath = z.string().regex(/^\/[^\s]*$/, "an absolute path such as /healthz");

export const appSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and -, at most 63 characters")
      .describe("The application's name at the providers (Dokploy project and application)."),
    image: z
      .string()
      .regex(
        /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+$/,
        "an image repository without tag, e.g. ghcr.io/owner/repo",
      )
      .describe("The image repository; the plan pins the head commit's image by digest."),
    port: z.number().int().min(1).max(65535).describe("The port the container listens on."),
    health: healthPath
      .default("/healthz")
      .describe("The HTTP path that answers 2xx when the app is healthy."),
    expectLog: z
      .string()
      .min(1)
      .optional()
      .describe("A line the app logs when it started well (e.g. 'migrations applied'); verify looks for it."),
  })
  .describe("What is deployed.");

export const environmentSchema = z.strictObject({
  dokploy: z
    .strictObject({
      project: z.string().min(1).optional().describe("Dokploy project name; defaults to the app name."),
      application: z
        .string()
        .min(1)
        .optional()
        .describe("Dokploy application name; defaults to the app name."),
      registrySecret: secretName
        .default("GHCR_PULL_TOKEN")
        .describe("The Environment secret holding a token that can pull the image."),
    })
    .describe("Deploy to the Dokploy server named by policy.yml (providers.dokploy.url)."),
  domain: z
    .strictObject({
      host: hostname.describe("The public host name."),
      https: z.boolean().default(true).describe("Serve HTTPS with a Let's Encrypt certificate."),
    })
    .optional(),
  dns: z
    .strictObject({
      provider: z.literal("cloudflare"),
      zone: hostname.describe("The zone the host lives in; must be allowed by policy.yml."),
      target: z
        .string()
        .min(1)
        .describe("Where the record points: the server's IPv4 address (A) or a host name (CNAME)."),
      proxied: z.boolean().default(false).describe("Serve through Cloudflare's proxy."),
    })
    .optional(),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
    .default({})
    .describe("Plain environment variables."),
  secrets: z
    .array(secretName)
    .default([])
    .describe("Names of Environment secrets passed to the app; values never appear here."),
});

export const deployConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe("The config format version."),
    app: appSchema,
    environments: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case environment names such as production"),
        environmentSchema,
      )
      .refine((envs) => Object.keys(envs).length > 0, "at least one environment"),
  })
  .describe("devops-agent deploy configuration (.devops/deploy.yml), read at the pull request's head.");

/** Policy is read from the default branch only (DESIGN rule 3): a PR cannot change who approves it. */
export const policySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    approvers: z
      .array(z.string().min(1))
      .optional()
      .describe("Logins allowed to /approve; when absent, anyone with maintain or admin."),
    soloMaintainer: z
      .boolean()
      .default(false)
      .describe(
        "Allow the only maintainer to approve their own request (still no approval by the PR author's pushes).",
      ),
    allowedZones: z.array(hostname).default([]).describe("DNS zones the agent may change."),
    providers: z
      .strictObject({
        dokploy: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
        cloudflare: z
          .strictObject({
            url: z
              .url({ protocol: /^https?$/ })
              .optional()
              .describe("Cloudflare's API root; https://api.cloudflare.com/client/v4 when absent."),
          })
          .optional(),
      })
      .default({}),
    postLogs: z
      .boolean()
      .default(false)
      .describe(
        "Show a failed deployment's (redacted) log tail in the thread of a public repository; otherwise only a link.",
      ),
    bots: z
      .array(z.string().regex(/\[bot\]$/, "a bot login ends in [bot]"))
      .default([])
      .describe("Bots whose commands count."),
  })
  .describe("devops-agent policy (.devops/policy.yml), read from the default branch only.");

export type DeployConfig = z.infer<typeof deployConfigSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type Policy = z.infer<typeof policySchema>;

export const CONFIG_PATH = ".devops/deploy.yml";
export const POLICY_PATH = ".devops/policy.yml";
