// Rules for refused access: container registries, the CI token's permissions, SSH keys and host keys.
// Samples tagged `from` were copied from that case.
import type { Rule } from "../types.ts";

// Lines that only a GitHub Actions run prints: the token or the bot acting for it.
const IN_GITHUB_ACTIONS =
  /GITHUB_TOKEN|github-actions\[bot\]|##\[group\]Run |docker\/(?:login|build-push)-action/;

export const ACCESS_RULES: readonly Rule[] = [
  {
    id: "github-token-resource-not-accessible",
    category: "ci-permissions",
    patterns: [/Resource not accessible by (?:integration|personal access token)/],
    priority: 75,
    confidence: 0.9,
    summary:
      "The workflow's token lacks a permission the step needs (read-only GITHUB_TOKEN, or a Dependabot/fork run).",
    fix: "Grant the job the permission it needs in the workflow (`permissions:` e.g. `pull-requests: write`, `contents: write`); for Dependabot or fork PRs, note that their token is read-only and secrets are withheld.",
    positive: [
      {
        text: "Error: Resource not accessible by integration",
        from: "gha-dependabot-pr-resource-not-accessible",
      },
      { text: "Error: Unhandled error: HttpError: Resource not accessible by personal access token" },
    ],
    negative: [{ text: "Resource accessible" }],
  },
  {
    id: "git-push-denied-to-bot",
    category: "ci-permissions",
    patterns: [/Permission to \S+ denied to [\w-]+\[bot\]/, /Write access to repository not granted/],
    priority: 75,
    confidence: 0.9,
    summary: "The workflow's token may not push to the repository: GITHUB_TOKEN is read-only for this job.",
    fix: "Add `permissions: contents: write` to the job (or allow read and write workflow permissions in the repository or organization settings).",
    positive: [
      {
        text: "  remote: Permission to celestiaorg/celestia-specs.git denied to github-actions[bot].",
        from: "ci-gh-pages-push-403-celestia-specs",
      },
      { text: "remote: Write access to repository not granted." },
    ],
    negative: [{ text: "remote: Permission to o/r.git granted" }],
  },
  {
    id: "package-write-denied-to-installation",
    category: "ci-permissions",
    patterns: [/denied: installation not allowed to \w+ (?:organization|repository|user) package/],
    priority: 75,
    confidence: 0.88,
    summary:
      "The workflow's token may not publish the package: GITHUB_TOKEN lacks `packages: write` or the package does not grant this repository access.",
    fix: "Add `permissions: packages: write` (with `contents: read`) to the job, and give the repository Actions access in the package's settings.",
    positive: [
      {
        text: "denied: installation not allowed to Write organization package",
        from: "gha-missing-packages-write-permission",
      },
      { text: "denied: installation not allowed to Create organization package" },
    ],
    negative: [{ text: "denied: requested access to the resource is denied" }],
  },
  {
    id: "ghcr-write-package-in-actions",
    category: "ci-permissions",
    patterns: [
      /denied: permission_denied: write_package/,
      /failed to push ghcr\.io\/\S+: unexpected status[^\n]*403 Forbidden/,
    ],
    requires: [{ pattern: IN_GITHUB_ACTIONS }],
    priority: 70,
    confidence: 0.8,
    summary:
      "The workflow's token may not push to GHCR: the job lacks `packages: write` or the package is not linked to this repository.",
    fix: "Add `permissions: packages: write` to the job and, for an existing package, grant this repository write access under the package's Manage Actions access.",
    positive: [
      {
        text: "GITHUB_TOKEN: ***\nERROR: failed to push ghcr.io/o/app:1.2.0: unexpected status from POST request to https://ghcr.io/v2/o/app/blobs/uploads/: 403 Forbidden",
      },
      {
        text: "##[group]Run docker/build-push-action@v5\nERROR: failed to push ghcr.io/o/app:latest: denied: permission_denied: write_package",
      },
    ],
    negative: [{ text: "denied: permission_denied: write_package" }],
  },
  {
    id: "actions-oidc-permission-missing",
    category: "ci-permissions",
    patterns: [
      /Unable to get ACTIONS_ID_TOKEN_REQUEST_URL/,
      /GitHub Actions is not permitted to create or approve pull requests/,
      /refusing to allow a GitHub App to create or update workflow/,
    ],
    priority: 75,
    confidence: 0.85,
    summary:
      "The workflow's token lacks a permission the step needs (OIDC id-token, pull request creation or workflow writes).",
    fix: "Grant the missing permission in the workflow (`permissions: id-token: write`, `pull-requests: write`, or a token with `workflows` scope) or enable it in the repository's Actions settings.",
    positive: [{ text: "Error: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable" }],
    negative: [{ text: "ACTIONS_ID_TOKEN_REQUEST_URL is set" }],
  },
  {
    id: "registry-unauthorized",
    category: "registry-auth",
    patterns: [
      /(?:Get|Head|Post|Put|Patch) "?https?:\/\/[^"\s]+\/v2\/[^"\s]*"?: (?:unauthorized|denied|forbidden)/,
      /unauthorized: authentication required/,
      /unauthorized: incorrect username or password/,
      /unexpected status from (?:POST|PUT|HEAD|GET|PATCH) request to https?:\/\/\S+\/v2\/\S*: (?:401 Unauthorized|403 Forbidden)/,
      /no basic auth credentials/,
      /Failed to pull image [^\n]*(?:401 Unauthorized|403 Forbidden|: unauthorized|authorization failed)/,
      /npm (?:ERR!|error) code E401\b/,
      /failed to (?:fetch (?:oauth|anonymous) token|authorize)[^\n]*(?:401 Unauthorized|403 Forbidden)/,
    ],
    priority: 60,
    confidence: 0.85,
    summary:
      "The container registry refused the request as unauthenticated: the image is private and no valid login was used.",
    fix: "Log in to the registry before pulling or pushing (`docker login`, docker/login-action) with a token that can read the package, or make the image public.",
    positive: [
      {
        text: "ERROR: failed to push registry.example.com/app:1: unexpected status from HEAD request to https://registry.example.com/v2/app/blobs/sha256:abc: 401 Unauthorized",
      },
      {
        text: 'Failed to pull image "ghcr.io/o/app:1": rpc error: code = Unknown desc = failed to resolve reference: 401 Unauthorized',
      },
      { text: "npm error code E401" },
      {
        text: 'Error response from daemon: Head "https://ghcr.io/v2/themartz90/jellydash/manifests/latest": unauthorized',
        from: "ghcr-private-package-unauthorized-jellydash",
      },
      {
        text: ' ✘ supacrawler Error Head "https://ghcr.io/v2/supacrawler/supacrawler/manifests/latest": unauthorized                                                                   0.5s ',
        from: "ghcr-private-package-unauthorized-supacrawler",
      },
      {
        text: "Error response from daemon: Get https://123456789.dkr.ecr.us-east-1.amazonaws.com/v2/: no basic auth credentials",
      },
      { text: "ERROR: failed to solve: failed to fetch oauth token: unexpected status: 401 Unauthorized" },
    ],
    negative: [{ text: 'Head "https://ghcr.io/v2/o/app/manifests/latest": 200 OK' }],
  },
  {
    id: "registry-access-denied",
    category: "registry-auth",
    patterns: [
      /pull access denied for [^,\s]+, repository does not exist or may require 'docker login'/,
      /denied: requested access to the resource is denied/,
      /denied: permission_denied/,
    ],
    priority: 60,
    confidence: 0.8,
    summary:
      "The registry denied the pull or push: not logged in, the token lacks the scope, or the repository name is wrong.",
    fix: "Log in with credentials that can access this repository (check the token's scopes, e.g. read:packages/write:packages) and check the image name and namespace.",
    positive: [
      {
        text: "Error response from daemon: pull access denied for myorg/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      },
      { text: "denied: permission_denied: The token provided does not match expected scopes." },
    ],
    negative: [{ text: "Login Succeeded" }],
  },
  {
    id: "registry-rate-limited",
    category: "registry-auth",
    patterns: [/toomanyrequests: You have reached your (?:unauthenticated )?pull rate limit/],
    priority: 55,
    confidence: 0.65,
    summary: "Anonymous pulls from Docker Hub hit the rate limit.",
    fix: "Authenticate pulls (`docker login` / docker/login-action with a Docker Hub token) or use a mirror.",
    positive: [
      {
        text: "toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading",
      },
    ],
    negative: [{ text: "rate limit: 100 remaining" }],
  },
  {
    id: "ssh-host-key",
    category: "ssh-auth",
    patterns: [
      /Host key verification failed/,
      /REMOTE HOST IDENTIFICATION HAS CHANGED/,
      /No \w+ host key is known for/,
    ],
    priority: 75,
    confidence: 0.9,
    summary: "SSH refused the server because its host key is not in known_hosts (or changed).",
    fix: "Add the server's host key to ~/.ssh/known_hosts before connecting (pin the published key, or `ssh-keyscan host >> ~/.ssh/known_hosts`); if the key changed, verify and replace it.",
    positive: [
      { text: "Host key verification failed.", from: "ssh-actions-host-key-verification-bitbucket" },
      { text: "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @" },
    ],
    negative: [{ text: "Warning: Permanently added 'github.com' (ED25519) to the list of known hosts." }],
  },
  {
    id: "ssh-key-rejected",
    category: "ssh-auth",
    patterns: [
      /Permission denied \((?:publickey|password|keyboard-interactive)/,
      /Load key "?[^"]*"?: (?:invalid format|error in libcrypto|bad permissions)/,
      /ssh: handshake failed: ssh: unable to authenticate/,
      /ssh(?:\.ParsePrivateKey)?: (?:no key found|this private key is passphrase protected)/,
      /Too many authentication failures/,
    ],
    priority: 75,
    confidence: 0.88,
    summary:
      "SSH authentication failed: the private key is malformed, not loaded, or not authorised on the server.",
    fix: "Check the private key secret (full PEM, no extra or missing trailing newline), that its public key is authorised for that user on the server (or as a deploy key), and the user name.",
    positive: [
      {
        text: "  aur@aur.archlinux.org: Permission denied (publickey).",
        from: "ssh-aur-deploy-key-trailing-newline",
      },
      {
        text: '  Load key "/home/builder/.ssh/aur": error in libcrypto',
        from: "ssh-aur-deploy-key-trailing-newline",
      },
      {
        text: "ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
      },
    ],
    negative: [{ text: "Permission denied, please try again." }],
  },
];
