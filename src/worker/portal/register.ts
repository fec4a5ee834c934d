import type { CrabboxRouter } from "../router";
import { portalRoute } from "./context";
import { portalAudit, portalAuditVerify } from "./routes/admin-audit";
import { portalAdminLeases } from "./routes/admin-leases";
import { portalOrphans } from "./routes/admin-orphans";
import { portalPools } from "./routes/admin-pools";
import { portalScriptAsset } from "./routes/asset-script";
import { portalLoginCallback } from "./routes/auth/callback";
import { localLogin, localLoginPath, localPortalLink } from "./routes/auth/local-login";
import { portalCallbackPath, portalLogin } from "./routes/auth/login";
import { portalLogout, portalLogoutPage, rootRedirect } from "./routes/auth/logout";
import { portalLeaseDetail } from "./routes/lease-detail";
import { portalLeaseRelease, portalLeaseReleaseConfirm } from "./routes/lease-release";
import { portalLeases } from "./routes/leases";
import { portalRunDetail, portalRunLog } from "./routes/run-detail";
import { portalRuns } from "./routes/runs";
import { portalUsage } from "./routes/usage";

/**
 * The portal's routes. They are "public" to the router because they authenticate with the
 * session cookie themselves (`portalRoute`), never with a bearer token; forms post at most 4 KiB.
 */
export function registerPortalRoutes(router: CrabboxRouter): void {
  const form = { maxBodyBytes: 4096 };
  router.public.get("/", rootRedirect);
  router.public.get("/portal/assets/portal.js", portalScriptAsset);
  router.public.get("/portal/login", portalLogin);
  router.public.get(portalCallbackPath, portalLoginCallback);
  // The local stack's one-time sign-in; 404 on any other coordinator.
  router.post("/v1/local/portal-link", localPortalLink, form);
  router.public.get(localLoginPath, localLogin);
  router.public.get("/portal/logout", portalLogoutPage);
  router.public.post("/portal/logout", portalLogout, form);

  router.public.get("/portal", portalRoute(portalLeases));
  router.public.get("/portal/leases/:id", portalRoute(portalLeaseDetail));
  router.public.get("/portal/leases/:id/release", portalRoute(portalLeaseReleaseConfirm));
  router.public.post("/portal/leases/:id/release", portalRoute(portalLeaseRelease), form);
  router.public.get("/portal/runs", portalRoute(portalRuns));
  router.public.get("/portal/runs/:id", portalRoute(portalRunDetail));
  router.public.get("/portal/runs/:id/logs", portalRoute(portalRunLog));
  router.public.get("/portal/usage", portalRoute(portalUsage));
  router.public.get("/portal/admin/leases", portalRoute(portalAdminLeases));
  router.public.get("/portal/admin/audit", portalRoute(portalAudit));
  router.public.post("/portal/admin/audit/verify", portalRoute(portalAuditVerify), form);
  router.public.get("/portal/admin/orphans", portalRoute(portalOrphans));
  router.public.get("/portal/admin/pools", portalRoute(portalPools));
}
