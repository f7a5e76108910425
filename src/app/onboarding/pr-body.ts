// The onboarding PR's description: what each file is for, what was guessed and from where, and the manual
// steps only a person can do. Text read from the repository (file names, package.json values) is untrusted
// and goes through neutralize(); everything else here is ours.

import { DEPLOY_SCHEMA_PATH, POLICY_SCHEMA_PATH } from "../../config/json-schema.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../config/schema.ts";
import { inlineCode, neutralize } from "../markdown.ts";
import {
  BUILD_WORKFLOW_PATH,
  DEFAULT_ENVIRONMENT,
  DISPATCH_WORKFLOW_PATH,
  DOMAIN_FORM_PATH,
  DOMAIN_LABEL,
  PROVIDER_SECRETS,
} from "../names.ts";
import { FALLBACK_PORT, REGISTRY_SECRET } from "./deploy-config.ts";
import type { Detected, Detection } from "./detect.ts";

export const ONBOARDING_TITLE = "Set up devops-agent";

/** "guess: Dockerfile EXPOSE, line 8", "found: a route string, `src/server.js` line 11". */
function from(detected: Detected<unknown>): string {
  const { evidence } = detected;
  const where = !evidence
    ? ""
    : detected.source.startsWith(evidence.file)
      ? `, line ${evidence.line}`
      : `, ${inlineCode(evidence.file)} line ${evidence.line}`;
  return `${detected.guess ? "guess" : "found"}: ${detected.source}${where}`;
}

export function onboardingBody(options: {
  detection: Detection;
  defaultBranch: string;
  withBuildWorkflow: boolean;
}): string {
  const { detection: d, defaultBranch, withBuildWorkflow } = options;
  const files: [string, string][] = [
    [CONFIG_PATH, "what is deployed and where; read at each pull request's head. Check every `# guess:`."],
    [DEPLOY_SCHEMA_PATH, "JSON Schema of deploy.yml, so your editor completes and checks it."],
    [
      POLICY_PATH,
      "who may approve, the DNS zones and the Dokploy server; read from the default branch only, so a pull request cannot change who approves it.",
    ],
    [POLICY_SCHEMA_PATH, "JSON Schema of policy.yml."],
    [
      DISPATCH_WORKFLOW_PATH,
      `runs the devops-agent Action when the App dispatches a plan or an approved apply: pinned by commit, in the \`${DEFAULT_ENVIRONMENT}\` Environment, minimal permissions (each one commented), one run at a time per environment.`,
    ],
    ...(withBuildWorkflow
      ? ([
          [
            BUILD_WORKFLOW_PATH,
            `builds the image and pushes \`${d.image.value}:sha-<commit>\` on pushes to ${inlineCode(defaultBranch, { table: true })} and on this repository's pull requests (\`packages: write\`); third-party actions pinned by commit.`,
          ],
        ] as [string, string][])
      : []),
    [DOMAIN_FORM_PATH, `the issue form for domains; its issues are labelled \`${DOMAIN_LABEL}\`.`],
  ];

  const detected: string[] = [
    d.port
      ? `- Container port **${d.port.value}** (${from(d.port)})`
      : `- Container port: nothing names one (no Dockerfile \`EXPOSE\`, \`ENV PORT\` or \`PORT\` default); **${FALLBACK_PORT}** is proposed, marked TODO`,
    d.health
      ? `- Health route \`${d.health.value}\` (${from(d.health)})`
      : "- Health route: none found (`/healthz`, `/health`, `/api/health`, `/_health`); the default `/healthz` is used, marked TODO",
    `- Image \`${d.image.value}\` (${from(d.image)})`,
    d.readsPortEnv
      ? `- The app reads \`PORT\` (${from(d.readsPortEnv)})${d.dockerfileSetsPort ? "; the Dockerfile sets it" : "; deploy.yml sets it"}`
      : "- The app does not visibly read `PORT`",
    d.packageManager
      ? `- Package manager ${d.packageManager.value.name}${d.packageManager.value.lockfileVersion ? ` (lockfileVersion ${neutralize(d.packageManager.value.lockfileVersion)})` : ""}${d.packageManager.value.declared ? `, packageManager ${neutralize(d.packageManager.value.declared)}` : ""} (${from(d.packageManager)})`
      : "- Package manager: no lockfile and no `packageManager` field found",
    d.buildWorkflow
      ? `- An image build workflow already pushes to GHCR (${from(d.buildWorkflow)}), so this pull request adds none: make sure it tags images \`sha-<commit>\` (the pull request's head commit), which is what a plan looks up`
      : "- No workflow pushes an image to GHCR, so this pull request adds one",
  ];

  const settings = "Settings → Environments";
  const checklist = [
    `- [ ] Create the \`${DEFAULT_ENVIRONMENT}\` Environment limited to the default branch: ${settings} → New environment \`${DEFAULT_ENVIRONMENT}\` → Deployment branches and tags: **Selected branches and tags** → add ${inlineCode(defaultBranch)}.`,
    `- [ ] Add these secrets to the \`${DEFAULT_ENVIRONMENT}\` Environment (${settings} → \`${DEFAULT_ENVIRONMENT}\` → Environment secrets), **not** as repository secrets: any writer's branch workflow can read repository secrets and skip approval.`,
    `  - [ ] \`${PROVIDER_SECRETS.dokploy}\`: an API key of your Dokploy server.`,
    `  - [ ] \`${PROVIDER_SECRETS.cloudflare}\`: a Cloudflare API token with Zone → DNS → Edit on your zone (needed once you set a domain).`,
    `  - [ ] \`${REGISTRY_SECRET}\`: a token that can pull \`${d.image.value}\` (read:packages), for Dokploy to pull the private image.`,
    `- [ ] Fill in the TODOs: in \`${POLICY_PATH}\` the Dokploy URL (providers.dokploy.url) and allowedZones; in \`${CONFIG_PATH}\` the domain and DNS record if you want one.`,
    `- [ ] Check the values marked \`# guess:\` in \`${CONFIG_PATH}\`.`,
    "- [ ] Merge this pull request. Then comment `/devops deploy` on a pull request to plan a deploy.",
  ];

  return [
    "devops-agent proposes the files it needs to deploy this repository from pull requests. Merging deploys nothing: deploys start with `/devops deploy` on a pull request and run only after a maintainer's `/approve`.",
    "",
    "### Files",
    "",
    "| File | What it is for |",
    "| --- | --- |",
    ...files.map(([path, what]) => `| \`${path}\` | ${what} |`),
    "",
    "### What was detected",
    "",
    ...detected,
    "",
    "### Manual steps",
    "",
    ...checklist,
    "",
    "Comment `/devops help` for the commands.",
    "",
  ].join("\n");
}
