// Onboarding's entry for the App: on `installation.created` (and repositories added to an installation later)
// open the onboarding PR in each repository. `/devops init` calls openOnboardingPr through the command router.
import type { Probot } from "probot";
import { type OnboardingOctokit, openOnboardingPr } from "./open-pr.ts";

export { detect, filesToRead } from "./detect.ts";
export { onboardingProposal } from "./generate.ts";
export { type OnboardingResult, openOnboardingPr } from "./open-pr.ts";

export function registerOnboarding(app: Probot, options: { appUrl?: string } = {}): void {
  app.on(["installation.created", "installation_repositories.added"], async (context) => {
    const payload = context.payload;
    const repositories =
      "repositories_added" in payload ? payload.repositories_added : (payload.repositories ?? []);
    const account = payload.installation.account;
    const owner = account && "login" in account ? account.login : undefined;
    if (!owner) return;
    // One repository failing must not keep the others from their PR; the delivery still reports the failure.
    const failures: unknown[] = [];
    for (const repository of repositories) {
      try {
        await openOnboardingPr({
          octokit: context.octokit as OnboardingOctokit,
          owner,
          repo: repository.name,
          ...(options.appUrl ? { appUrl: options.appUrl } : {}),
          log: { info: (message) => context.log.info(message) },
        });
      } catch (error) {
        context.log.error({ err: error }, `onboarding ${owner}/${repository.name} failed`);
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, "onboarding failed");
  });
}
