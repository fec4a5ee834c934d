import { describe, expect, it } from "vitest";
import { canManageLease, canSeeLease, canSeeRun, leaseRole } from "../../../src/worker/fleet/scoping";

const lease = { owner: "peter@example.com", org: "openclaw" };
const owner = { admin: false, owner: "peter@example.com", org: "openclaw" };
const colleague = { admin: false, owner: "Friend@Example.com", org: "openclaw" };
const stranger = { admin: false, owner: "friend@example.com", org: "elsewhere" };
const admin = { admin: true, owner: "ops@example.com", org: "ops" };

describe("lease scoping", () => {
  it("gives the owner in the same org and any admin owner rights", () => {
    expect(leaseRole(lease, owner)).toBe("owner");
    expect(leaseRole(lease, admin)).toBe("owner");
  });

  it("does not treat the same owner in another org as the owner", () => {
    expect(leaseRole(lease, { ...owner, org: "other" })).toBe("none");
  });

  it("grants use or manage through a user share, matched case-insensitively", () => {
    const shared = { ...lease, share: { users: { "friend@example.com": "use" as const } } };
    expect(leaseRole(shared, colleague)).toBe("use");
    expect(canSeeLease(shared, colleague)).toBe(true);
    expect(canManageLease(shared, colleague)).toBe(false);
  });

  it("grants an org share only to callers of the lease's org", () => {
    const shared = { ...lease, share: { org: "manage" as const } };
    expect(canManageLease(shared, colleague)).toBe(true);
    expect(canSeeLease(shared, stranger)).toBe(false);
  });

  it("takes the stronger of user and org grants", () => {
    const shared = {
      ...lease,
      share: { users: { "friend@example.com": "use" as const }, org: "manage" as const },
    };
    expect(leaseRole(shared, colleague)).toBe("manage");
  });

  it("hides unshared leases from everyone else", () => {
    expect(canSeeLease(lease, colleague)).toBe(false);
  });
});

describe("run scoping", () => {
  it("shows runs to their owner in the same org and to admins only", () => {
    expect(canSeeRun(lease, owner)).toBe(true);
    expect(canSeeRun(lease, admin)).toBe(true);
    expect(canSeeRun(lease, colleague)).toBe(false);
    expect(canSeeRun(lease, { ...owner, org: "other" })).toBe(false);
  });
});
