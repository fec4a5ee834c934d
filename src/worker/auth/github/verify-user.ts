/**
 * Decides who a GitHub user is for Crabbox and whether they may log in: an active member of
 * an allowed org (first match in the configured order) and, when teams are configured, of
 * an allowed team. Refusals are `forbidden` with a message the CLI shows the user.
 */
import { CrabboxError } from "../../../errors";
import { sanitizeOrg } from "../org";
import type { TokenIdentity } from "../signed-token";
import type { GithubClient, GithubEmail, GithubUser } from "./client";

/** Team listing stops after this many pages of 100, as in the reference. */
const maxTeamPages = 10;

/** Primary verified e-mail, else any verified one, else the profile's, else the noreply address. */
export function ownerEmail(user: GithubUser, emails: GithubEmail[]): string {
  return (
    emails.find((e) => e.primary && e.verified)?.email ??
    emails.find((e) => e.verified)?.email ??
    user.email ??
    `${user.login}@users.noreply.github.com`
  );
}

async function memberOrg(
  client: GithubClient,
  accessToken: string,
  orgs: string[],
): Promise<string | undefined> {
  for (const org of orgs) {
    const login = await client.activeOrgMembership(accessToken, org);
    if (login) return login;
  }
  return undefined;
}

async function inAllowedTeam(
  client: GithubClient,
  accessToken: string,
  org: string,
  allowed: string[],
  login: string,
): Promise<void> {
  const wanted = new Set(allowed.map((team) => (team.includes("/") ? team : `${org.toLowerCase()}/${team}`)));
  for (let page = 1; page <= maxTeamPages; page++) {
    const result = await client.teamsPage(accessToken, page);
    if ("status" in result) {
      throw new CrabboxError(
        "forbidden",
        `Could not verify GitHub team membership: GitHub returned ${result.status}.`,
      );
    }
    if (result.teams.some((team) => wanted.has(`${team.org}/${team.slug}`))) return;
    if (result.teams.length < 100) break;
  }
  throw new CrabboxError("forbidden", `GitHub user ${login} is not a member of an allowed team in ${org}.`);
}

export async function verifyGithubUser(
  client: GithubClient,
  accessToken: string,
  policy: { orgs: string[]; teams: string[] },
): Promise<TokenIdentity> {
  const [user, emails] = await Promise.all([client.user(accessToken), client.emails(accessToken)]);
  const org = await memberOrg(client, accessToken, policy.orgs);
  if (!org) {
    throw new CrabboxError(
      "forbidden",
      `GitHub user ${user.login} is not an active member of ${policy.orgs.join(" or ")}.`,
    );
  }
  if (policy.teams.length > 0) await inAllowedTeam(client, accessToken, org, policy.teams, user.login);
  const identity: TokenIdentity = {
    owner: ownerEmail(user, emails),
    // Org names are case-insensitive on GitHub; stored lowercased so every auth mode agrees.
    org: sanitizeOrg(org.toLowerCase()) ?? org.toLowerCase(),
    login: user.login,
  };
  if (user.name) identity.name = user.name;
  return identity;
}
