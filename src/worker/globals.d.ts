// Tells the Workers types what the main module exports, so that `exports.default` and
// `env.FLEET` are typed in the Worker and in workerd tests.
type CrabboxWorkerEnv = import("./index").Env;

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "FleetDurableObject";
  }
  interface Env extends CrabboxWorkerEnv {}
}
