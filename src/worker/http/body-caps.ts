/**
 * The body cap of every route a router registered, by `method path` (`:name` parameters):
 * `buildRouter` records each as it adds the route, and the OpenAPI document states them
 * (docs/api.md, "OpenAPI" and "Bounds"), so the caps have one copy: the registrars'.
 */
export const registeredBodyCaps = new Map<string, number>();
