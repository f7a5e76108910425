// Every file of the onboarding PR and its description, from a detection. Pure: the same repository gives
// the same PR.
import {
  DEPLOY_SCHEMA_PATH,
  deployJsonSchema,
  POLICY_SCHEMA_PATH,
  policyJsonSchema,
} from "../../config/json-schema.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../config/schema.ts";
import { BUILD_WORKFLOW_PATH, DISPATCH_WORKFLOW_PATH, DOMAIN_FORM_PATH } from "../names.ts";
import { deployYaml, policyYaml } from "./deploy-config.ts";
import type { Detection } from "./detect.ts";
import { domainIssueForm } from "./issue-form.ts";
import { ONBOARDING_TITLE, onboardingBody } from "./pr-body.ts";
import { buildWorkflow, dispatchWorkflow } from "./workflows.ts";

export interface OnboardingProposal {
  title: string;
  body: string;
  /** path → content, committed together in one commit. */
  files: Record<string, string>;
}

export function onboardingProposal(options: {
  detection: Detection;
  defaultBranch: string;
  /** The `uses:` of our Action in the dispatch workflow; defaults to ACTION_REPOSITORY@ACTION_PIN. */
  actionRef?: string;
  /** The App's public URL, written into the dispatch workflow (else it reads vars.DEVOPS_AGENT_URL). */
  appUrl?: string;
}): OnboardingProposal {
  const { detection, defaultBranch } = options;
  const withBuildWorkflow = detection.buildWorkflow === undefined;
  const files: Record<string, string> = {
    [CONFIG_PATH]: deployYaml(detection),
    [DEPLOY_SCHEMA_PATH]: `${JSON.stringify(deployJsonSchema(), null, 2)}\n`,
    [POLICY_PATH]: policyYaml(),
    [POLICY_SCHEMA_PATH]: `${JSON.stringify(policyJsonSchema(), null, 2)}\n`,
    [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow({
      ...(options.actionRef ? { actionRef: options.actionRef } : {}),
      ...(options.appUrl ? { appUrl: options.appUrl } : {}),
    }),
    ...(withBuildWorkflow
      ? { [BUILD_WORKFLOW_PATH]: buildWorkflow({ image: detection.image.value, defaultBranch }) }
      : {}),
    [DOMAIN_FORM_PATH]: domainIssueForm(),
  };
  return {
    title: ONBOARDING_TITLE,
    body: onboardingBody({ detection, defaultBranch, withBuildWorkflow }),
    files,
  };
}
