/** Route table entries (docs/api.md#openapi-get-v1openapijson): liveness, the document itself, who am I, and GitHub sign-in. */
import {
  GithubLoginPollRequest,
  GithubLoginPollResponse,
  GithubLoginStartRequest,
  GithubLoginStartResponse,
  HealthResponse,
  WhoamiResponse,
} from "../auth";
import { FleetHealth, OpenApiDocument } from "../meta";
import { examples } from "./examples";
import type { Operation } from "./operation";

export const metaOperations: readonly Operation[] = [
  {
    method: "get",
    path: "/v1/health",
    summary: "Liveness",
    tag: "meta",
    access: "none",
    examples: examples.health,
    responses: { 200: HealthResponse },
  },
  {
    method: "get",
    path: "/v1/openapi.json",
    summary: "This document",
    tag: "meta",
    access: "none",
    responses: { 200: OpenApiDocument },
  },
  {
    method: "get",
    path: "/v1/whoami",
    summary: "The caller's identity",
    tag: "auth",
    access: "bearer",
    examples: examples.whoami,
    responses: { 200: WhoamiResponse },
  },
  {
    method: "post",
    path: "/v1/auth/github/start",
    summary: "Start a GitHub login (CLI)",
    tag: "auth",
    access: "none",
    errors: ["invalid_poll_secret_hash", "login_rate_limited", "github_oauth_not_configured"],
    body: GithubLoginStartRequest,
    examples: examples.githubStart,
    responses: { 200: GithubLoginStartResponse },
  },
  {
    method: "get",
    path: "/v1/auth/github/callback",
    summary: "GitHub OAuth callback (CLI login)",
    tag: "auth",
    access: "none",
    responses: { 200: "html" },
  },
  {
    method: "post",
    path: "/v1/auth/github/poll",
    summary: "Poll a GitHub login for its token",
    tag: "auth",
    access: "none",
    errors: ["invalid_poll", "not_found", "github_unavailable"],
    body: GithubLoginPollRequest,
    examples: examples.githubPoll,
    responses: { 200: GithubLoginPollResponse },
  },
  {
    method: "get",
    path: "/v1/fleet/health",
    summary: "Round trip into the Fleet",
    tag: "meta",
    access: "bearer",
    responses: { 200: FleetHealth },
  },
];
