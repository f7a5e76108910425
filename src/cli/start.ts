// `devops-agent start`: runs the App for real when GitHub App credentials are set, otherwise the sandbox.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type CliIo, UsageError } from "./io.ts";
import type { Command } from "./main.ts";

const USAGE = `Usage: devops-agent start [--state-dir DIR] [--port N]

Without GitHub App credentials, starts the built-in sandbox: a GitHub twin with a sample repository
(acme/hello-service) and the real App wired to it. With credentials, runs the App against GitHub.

Options:
  --state-dir DIR  where the sandbox keeps its state (default: .state/sandbox); delete it to start over
  --port N         the sandbox's GitHub API port, or the App's port with credentials (default: chosen by the OS)
  -h, --help       this text

Credentials (environment, as Probot reads them): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET,
and optionally GITHUB_API_URL (default https://api.github.com), PORT (default 3000), PUBLIC_URL (the URL GitHub's
runners reach the App at: the Action reports there and its OIDC tokens name it; default the listening address)
and OIDC_ISSUER (default https://token.actions.githubusercontent.com).`;

export const startCommand: Command = {
  name: "start",
  summary: "Run the App (for real with credentials, else against the built-in sandbox)",
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const { values } = parseOrThrow(argv);
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new UsageError(`--port must be a number from 0 to 65535, got '${values.port}'`);
    }
    if (io.env.APP_ID) return runForReal(io, port);
    return runSandbox(io, { stateDir: resolve(values["state-dir"] ?? ".state/sandbox"), port });
  },
};

function parseOrThrow(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        "state-dir": { type: "string" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function runSandbox(
  io: CliIo,
  options: { stateDir: string; port: number | undefined },
): Promise<number> {
  const { startSandbox, SANDBOX } = await import("../sandbox/sandbox.ts");
  io.stdout(`Starting the sandbox (state in ${options.stateDir})…`);
  const sandbox = await startSandbox(options);
  const repo = `${SANDBOX.owner}/${SANDBOX.repo}`;
  io.stdout(
    [
      "",
      "devops-agent sandbox is up.",
      `  GitHub twin (REST API): ${sandbox.twin.url}`,
      `  App (Probot) webhooks:  ${sandbox.appUrl}/api/github/webhooks`,
      `  Repository:             ${repo} (App installed)`,
      `  Dokploy twin:           ${sandbox.providers.dokploy.url} (API key ${sandbox.providers.dokploy.apiKey})`,
      `  Cloudflare twin:        ${sandbox.providers.cloudflare.apiUrl} (zone ${SANDBOX.zone}, token ${sandbox.providers.cloudflare.token})`,
      `  Lab DNS (UDP and TCP):  ${sandbox.providers.lab.resolver}`,
      `  Lab HTTPS front:        https://127.0.0.1:${sandbox.providers.lab.ports.https} (CA ${sandbox.providers.caFile})`,
      "",
      "People and their tokens (act as them with curl or Octokit):",
      ...Object.entries(SANDBOX.people).map(
        ([role, login]) => `  ${login.padEnd(6)} ${role.padEnd(10)} ${sandbox.tokens[login]}`,
      ),
      "",
      "Try: ask the App for help on an issue, as the maintainer:",
      `  curl -s -H "Authorization: Bearer ${sandbox.tokens[SANDBOX.people.maintainer]}" \\`,
      `    -d '{"title":"Deploy please"}' ${sandbox.twin.url}/repos/${repo}/issues`,
      `  curl -s -H "Authorization: Bearer ${sandbox.tokens[SANDBOX.people.maintainer]}" \\`,
      `    -d '{"body":"/devops help"}' ${sandbox.twin.url}/repos/${repo}/issues/1/comments`,
      `  curl -s ${sandbox.twin.url}/repos/${repo}/issues/1/comments -H "Authorization: Bearer ${sandbox.tokens[SANDBOX.people.maintainer]}"`,
      "",
      "Press Ctrl-C to stop; the state stays in the state directory.",
    ].join("\n"),
  );
  await io.stopSignal;
  io.stdout("Stopping…");
  await sandbox.close();
  return 0;
}

async function runForReal(io: CliIo, port: number | undefined): Promise<number> {
  const { env } = io;
  const privateKey =
    env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? readFileSync(env.PRIVATE_KEY_PATH, "utf8") : undefined);
  const missing = [
    !privateKey && "PRIVATE_KEY or PRIVATE_KEY_PATH",
    !env.WEBHOOK_SECRET && "WEBHOOK_SECRET",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(
      `APP_ID is set, so the App runs for real, but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing.`,
    );
  }
  const { startAppServer } = await import("../app/server.ts");
  const { createDevopsAgentApp } = await import("../app/app.ts");
  const server = await startAppServer({
    appId: Number(env.APP_ID),
    privateKey: privateKey as string,
    webhookSecret: env.WEBHOOK_SECRET as string,
    baseUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    host: "0.0.0.0",
    port: port ?? Number(env.PORT ?? 3000),
    app: createDevopsAgentApp(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    // The Action's way back (live diff, checklist ticks, the secrets token): its OIDC audience is this URL.
    bridge: {
      ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
      ...(env.OIDC_ISSUER ? { oidcIssuer: env.OIDC_ISSUER } : {}),
    },
  });
  io.stdout(`devops-agent App listening: webhooks at ${server.webhookUrl}`);
  await io.stopSignal;
  await server.close();
  return 0;
}
