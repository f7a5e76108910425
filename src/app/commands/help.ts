export const HELP = [
  "**devops-agent** commands (comment them on a pull request, alone on the comment's first line):",
  "",
  "- `/devops help`: this list",
  "- `/devops init`: open the onboarding pull request",
  "- `/devops plan`: plan a deploy of this PR's head commit, read-only",
  "- `/devops deploy [env]`: plan and ask for approval",
  "- `/devops status`: the current plan, its approvals and deployment",
  "- `/devops rollback`: plan taking back what the last apply changed, and ask for approval",
  "- `/approve [hash-prefix]`: a maintainer approves the current plan",
  "- `/cancel`: cancel a pending plan",
].join("\n");
