// The domain issue form (GitHub issue forms syntax). Issues opened from it carry DOMAIN_LABEL, which starts
// the domain flow: DNS record, PaaS domain, HTTPS and verification through plan → approve → apply.
import { stringify } from "yaml";
import { DEFAULT_ENVIRONMENT, DOMAIN_LABEL } from "../names.ts";

export function domainIssueForm(): string {
  const form = {
    name: "Domain for the app",
    description:
      "Point a domain at the app: DNS record, HTTPS and verification, planned and approved like a deploy.",
    title: "Domain: ",
    labels: [DOMAIN_LABEL],
    body: [
      {
        type: "markdown",
        attributes: {
          value:
            "devops-agent plans the change and posts a checklist; a maintainer approves it with `/approve` before anything changes. The zone must be listed in `.devops/policy.yml` (allowedZones) on the default branch.",
        },
      },
      {
        type: "input",
        id: "host",
        attributes: {
          label: "Host name",
          description: "The public host name the app answers on.",
          placeholder: "app.example.com",
        },
        validations: { required: true },
      },
      {
        type: "input",
        id: "zone",
        attributes: {
          label: "DNS zone",
          description: "The Cloudflare zone the host lives in.",
          placeholder: "example.com",
        },
        validations: { required: true },
      },
      {
        type: "input",
        id: "target",
        attributes: {
          label: "Target",
          description: "Where the record points: the server's IPv4 address (A) or a host name (CNAME).",
          placeholder: "203.0.113.10",
        },
        validations: { required: true },
      },
      {
        type: "dropdown",
        id: "proxied",
        attributes: {
          label: "Proxied through Cloudflare",
          description: "true serves the app through Cloudflare's proxy and CDN; false is DNS only.",
          options: ["false", "true"],
          default: 0,
        },
        validations: { required: true },
      },
      {
        type: "input",
        id: "environment",
        attributes: {
          label: "Environment",
          description:
            "The environment in .devops/deploy.yml (and the GitHub Environment) this domain is for.",
          value: DEFAULT_ENVIRONMENT,
        },
        validations: { required: true },
      },
    ],
  };
  return `# devops-agent: the form for domain requests (issues from it are labelled ${DOMAIN_LABEL}).\n${stringify(form, { lineWidth: 0 })}`;
}
