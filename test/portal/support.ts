/**
 * What the portal's browser test needs around the local stack: a fake GitHub whose authorize
 * page approves at once (the browser side of the OAuth web flow), and Chromium from the
 * system (never downloaded), headless, with a throwaway profile.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import type { FakeGitHub, FakeGithubUser } from "../support/fake-github";
import { serveOnLoopback } from "../support/loopback-server";

export const chromiumPath = "/usr/bin/chromium";

/** GitHub's authorize page, reduced to "the user clicks Authorize": a redirect to the callback. */
export async function serveFakeGithub(github: FakeGitHub, user: FakeGithubUser) {
  return serveOnLoopback(async (request) => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/login/oauth/authorize") {
      return new Response(null, {
        status: 302,
        headers: { location: github.authorize(url.toString(), user) },
      });
    }
    return github.handle(request);
  });
}

/** A fresh profile directory is the user data dir (Playwright's persistent context takes it). */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "crabbox-portal-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
