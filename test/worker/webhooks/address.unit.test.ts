import { describe, expect, it } from "vitest";
import { assertDeliverable, isPrivateHost } from "../../../src/worker/fleet/webhooks/address";

describe("webhook endpoint addresses", () => {
  it("refuse loopback, private, link-local, reserved and single-label hosts", () => {
    for (const host of [
      "localhost",
      "app.localhost",
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "[::1]",
      "[::]",
      "[fd00::1]",
      "[fe80::1]",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "intranet",
      "printer.local",
      "metadata.google.internal",
      "router.home.arpa",
    ]) {
      expect(isPrivateHost(host), host).toBe(true);
    }
  });

  it("accept public names and addresses", () => {
    for (const host of ["hooks.example.com", "8.8.8.8", "172.32.0.1", "[2606:4700::1111]", "example.com."]) {
      expect(isPrivateHost(host), host).toBe(false);
    }
  });

  it("on a deployed coordinator take https only and name the url field when refusing", () => {
    expect(assertDeliverable("https://hooks.example.com/x", false).hostname).toBe("hooks.example.com");
    for (const url of [
      "http://hooks.example.com/x",
      "https://127.0.0.1/x",
      "https://0x7f000001/x",
      "https://2130706433/x",
      "https://user:pw@hooks.example.com/",
    ]) {
      expect(() => assertDeliverable(url, false), url).toThrow(
        expect.objectContaining({ code: "invalid_request", details: { field: "url" } }),
      );
    }
  });

  it("on the local stack take http and loopback, but never credentials in the URL", () => {
    expect(assertDeliverable("http://127.0.0.1:8080/hook", true).port).toBe("8080");
    expect(() => assertDeliverable("http://u:p@127.0.0.1/", true)).toThrow(/credentials/);
  });
});
