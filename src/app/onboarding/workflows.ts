// The workflows the onboarding PR proposes. Written as text (each permission carries a comment saying why it
// is there) and kept to the subset of workflow syntax the sandbox's runner executes, so the dispatch
// workflow runs in the twin exactly as it is written for GitHub.
import { ACTION_PIN, ACTION_REPOSITORY, DEFAULT_ENVIRONMENT } from "../names.ts";

/**
 * Third-party actions in the build workflow, pinned by full commit SHA (a tag can be moved; a commit
 * cannot). Looked up from public workflows pinning these releases; Dependabot or Renovate can bump them.
 */
export const BUILD_ACTION_PINS = {
  checkout: { uses: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", tag: "v4.2.2" },
  login: { uses: "docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772", tag: "v3.4.0" },
  buildPush: { uses: "docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83", tag: "v6.18.0" },
} as const;

/** The commands a person or the App may dispatch; verify, logs and doctor read and change nothing. */
export const DISPATCH_COMMANDS = ["plan", "apply", "verify", "logs", "doctor"] as const;

export function dispatchWorkflow(options: { actionRef?: string; appUrl?: string } = {}): string {
  const uses = options.actionRef ?? `${ACTION_REPOSITORY}@${ACTION_PIN}`;
  // The App's run bridge. Its OIDC audience is this URL, so a token asked for another URL is useless to the App.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow text contains it literally
  const appUrl = options.appUrl ? JSON.stringify(options.appUrl) : "${{ vars.DEVOPS_AGENT_URL }}";
  return `# devops-agent: runs the devops-agent Action when the App dispatches a plan or an approved apply.
# The App dispatches it on the default branch only; the Action re-verifies the approval, the head commit and
# the plan hash from the API before touching any provider, so inputs alone prove nothing.
name: devops-agent
on:
  workflow_dispatch:
    inputs:
      command:
        description: "plan (read-only diff), apply (an approved plan only), verify (the checks again), logs (the app's recent log) or doctor (check the setup)"
        required: true
        type: choice
        options: [${DISPATCH_COMMANDS.join(", ")}]
      pr:
        description: The pull request number
        required: false
        type: string
      head-sha:
        description: The pull request head commit the plan was made for
        required: false
        type: string
      plan-hash:
        description: The sha256 of the plan, as recorded in the App's check run
        required: false
        type: string
      approval-comment-id:
        description: The id of the /approve comment (apply only)
        required: false
        type: string
      environment:
        description: The GitHub Environment holding the provider secrets
        required: true
        default: ${DEFAULT_ENVIRONMENT}
        type: string

# No token permissions by default: the job asks for exactly what it needs.
permissions: {}

# One run at a time per target: a second apply waits for the first instead of racing it.
concurrency:
  group: devops-agent-\${{ inputs.environment }}
  cancel-in-progress: false

jobs:
  devops-agent:
    runs-on: ubuntu-latest
    # The provider secrets live in this Environment, limited to the default branch.
    environment: \${{ inputs.environment }}
    timeout-minutes: 30
    permissions:
      contents: read # read .devops/deploy.yml at the head commit and policy.yml on the default branch
      issues: write # comment on the pull request thread and tick the checklist in place
      pull-requests: write # read the pull request (head, commits, author) to re-check separation of duties
      checks: read # read the App's plan check run: the approved plan hash lives only there
      deployments: write # record the Deployment and its statuses
      actions: read # read this run and failed job logs for the report
      id-token: write # exchange an OIDC token with the App for a short-lived token when apply must store a secret
      packages: read # resolve the head commit's image to a digest in GHCR
    steps:
      - name: devops-agent
        # Pinned by commit: a tag could be moved to code nobody reviewed.
        uses: ${uses}
        with:
          command: \${{ inputs.command }}
          pr: \${{ inputs.pr }}
          head-sha: \${{ inputs.head-sha }}
          plan-hash: \${{ inputs.plan-hash }}
          approval-comment-id: \${{ inputs.approval-comment-id }}
          environment: \${{ inputs.environment }}
          github-token: \${{ github.token }}
          # Every secret of the Environment (provider credentials, the app's secrets): the Action masks each
          # value before it does anything and never posts one.
          secrets: \${{ toJSON(secrets) }}
          # Where the devops-agent App listens: the Action reports the live diff and progress there.
          app-url: ${appUrl}
`;
}

/**
 * The image build: on pushes to the default branch and on same-repository pull requests, tagged with the
 * commit the plan looks up (`sha-<head commit>`, the PR's head rather than GitHub's merge commit).
 */
export function buildWorkflow(options: { image: string; defaultBranch: string }): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow text contains it literally
  const sha = "${{ github.event.pull_request.head.sha || github.sha }}";
  const { checkout, login, buildPush } = BUILD_ACTION_PINS;
  return `# devops-agent: builds the image the deploy plan pins by digest: ${options.image}:sha-<commit>.
name: devops-agent build
on:
  push:
    branches: [${JSON.stringify(options.defaultBranch)}]
  pull_request:

permissions:
  contents: read # check out the code
  packages: write # push the image to GHCR

jobs:
  image:
    # A fork's pull request gets a read-only token and cannot push; its image is built once merged.
    if: github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: ${checkout.uses} # ${checkout.tag}
        with:
          # The pull request's head commit, not the merge commit: the plan looks up sha-<head commit>.
          ref: ${sha}
          persist-credentials: false
      - uses: ${login.uses} # ${login.tag}
        with:
          registry: ghcr.io
          username: \${{ github.actor }}
          password: \${{ secrets.GITHUB_TOKEN }}
      - uses: ${buildPush.uses} # ${buildPush.tag}
        with:
          context: .
          push: true
          tags: ${options.image}:sha-${sha}
`;
}
