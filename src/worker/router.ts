/**
 * The coordinator's request pipeline, in this order for every matched route:
 *   1. body size limit (declared Content-Length refused with 413 before anything is read, a
 *      streamed body counted while it is read and refused at the cap);
 *   2. identity (authenticated routes only; 401 without a valid bearer token);
 *   3. the route handler;
 *   4. error mapping: `CrabboxError` → its status and `{"error","message",...details}`,
 *      zod errors → 400 naming the field, anything else → 500 with no internals.
 * Unknown routes (including the reference's out-of-scope ones: webvnc, code, egress,
 * tailscale, artifacts, images, runners) are 404 `{"error":"not_found"}`.
 */
import { type IRequest, Router } from "itty-router";
import { ulid } from "ulid";
import { CrabboxError } from "../errors";
import { resolveIdentity } from "./auth/identity";
import type { PublicRequestContext, RequestContext } from "./context";
import type { Env } from "./env";
import { defaultMaxBodyBytes, readBodyBytes, setBodyLimit } from "./http/body";
import { registeredBodyCaps } from "./http/body-caps";
import { errorResponse } from "./http/errors";
import { idempotencyKeyOf } from "./http/idempotency";
import { json } from "./http/json";
import { registerPortalRoutes } from "./portal/register";
import { registerAuthRoutes } from "./routes/auth/register";
import { registerContractRoutes } from "./routes/contract-routes";
import { registerFleetRoutes } from "./routes/fleet-routes";
import { health } from "./routes/health";
import { whoami } from "./routes/whoami";

export type RouteHandler = (request: Request, ctx: RequestContext) => Promise<Response>;
export type PublicRouteHandler = (request: Request, ctx: PublicRequestContext) => Promise<Response>;

export interface RouteOptions {
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

type Method = "get" | "post" | "put" | "delete";

type Register<H> = (path: string, handler: H, options?: RouteOptions) => void;

/** What route modules register on: authenticated routes by default, `public` for the rest. */
export interface CrabboxRouter {
  get: Register<RouteHandler>;
  post: Register<RouteHandler>;
  put: Register<RouteHandler>;
  delete: Register<RouteHandler>;
  public: {
    get: Register<PublicRouteHandler>;
    post: Register<PublicRouteHandler>;
  };
}

/** Per-request values the pipeline computes before routing. */
interface Base {
  env: Env;
  requestId: string;
  now: number;
}

function decodeParams(params: Record<string, string> | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new CrabboxError("invalid_request", `path parameter ${name} is not valid URI encoding`, {
        field: name,
      });
    }
  }
  return decoded;
}

function requestContext(
  request: Request,
  params: Record<string, string> | undefined,
  base: Base,
): PublicRequestContext {
  const ctx: PublicRequestContext = { ...base, params: decodeParams(params) };
  const key = idempotencyKeyOf(request);
  if (key !== undefined) ctx.idempotencyKey = key;
  const ip = request.headers.get("cf-connecting-ip");
  if (ip) ctx.clientIp = ip;
  return ctx;
}

/** Runs a matched route once its body cap has been checked. */
type Serve = (request: Request, params: Record<string, string> | undefined, base: Base) => Promise<Response>;

function open(handler: PublicRouteHandler): Serve {
  return (request, params, base) => handler(request, requestContext(request, params, base));
}

function authenticated(handler: RouteHandler): Serve {
  return async (request, params, base) => {
    const identity = await resolveIdentity(request, base.env, base.now);
    return handler(request, { ...requestContext(request, params, base), identity });
  };
}

/** Registers a group of routes (auth, fleet, …) on the router. */
export type RouteRegistrar = (router: CrabboxRouter) => void;

/** The routes every router has, whatever else it registers. */
export function registerCoreRoutes(router: CrabboxRouter): void {
  router.public.get("/v1/health", health);
  router.get("/v1/whoami", whoami);
}

export const defaultRegistrars: readonly RouteRegistrar[] = [
  registerAuthRoutes,
  registerFleetRoutes,
  registerContractRoutes,
  registerPortalRoutes,
];

export function buildRouter(registrars: readonly RouteRegistrar[] = defaultRegistrars) {
  const itty = Router<IRequest, [Base]>();

  function add(method: Method, path: string, serve: Serve, options: RouteOptions = {}) {
    const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
    registeredBodyCaps.set(`${method} ${path}`, maxBodyBytes);
    itty[method](path, async (request: IRequest, base: Base) => {
      const raw = request as unknown as Request;
      setBodyLimit(raw, maxBodyBytes);
      // Every matched route drains its body under the cap before anything else, whether the
      // handler reads it or not: a streamed body past the cap is a 413 on every route, never
      // a dropped connection or a runtime error (docs/api.md, "Bounds").
      // GET and HEAD carry no body in the fetch API (workerd hands them an empty stream).
      if (raw.method !== "GET" && raw.method !== "HEAD") await readBodyBytes(raw, maxBodyBytes);
      return serve(raw, request.params, base);
    });
  }

  const router: CrabboxRouter = {
    get: (path, handler, options) => add("get", path, authenticated(handler), options),
    post: (path, handler, options) => add("post", path, authenticated(handler), options),
    put: (path, handler, options) => add("put", path, authenticated(handler), options),
    delete: (path, handler, options) => add("delete", path, authenticated(handler), options),
    public: {
      get: (path, handler, options) => add("get", path, open(handler), options),
      post: (path, handler, options) => add("post", path, open(handler), options),
    },
  };

  registerCoreRoutes(router);
  for (const register of registrars) register(router);

  return {
    async fetch(request: Request, env: Env): Promise<Response> {
      const base: Base = { env, requestId: ulid(), now: Date.now() };
      let response: Response;
      try {
        const routed: Response | undefined = await itty.fetch(request as unknown as IRequest, base);
        if (!routed) {
          // Nothing will read this body: let the runtime drop it rather than buffer it.
          if (request.method !== "GET" && request.method !== "HEAD") {
            await request.body?.cancel().catch(() => undefined);
          }
        }
        response = routed ?? json(404, { error: "not_found", message: "no such route" });
      } catch (error) {
        response = errorResponse(error, base.requestId);
      }
      // Responses from fetch() may have immutable headers; copy when needed.
      try {
        response.headers.set("x-request-id", base.requestId);
      } catch {
        response = new Response(response.body, response);
        response.headers.set("x-request-id", base.requestId);
      }
      return response;
    },
  };
}
