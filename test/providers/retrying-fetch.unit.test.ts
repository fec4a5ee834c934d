import { describe, expect, it } from "vitest";
import { type RetryPolicy, retryAfterMs, retryingFetch } from "../../src/providers/retrying-fetch";

function policy(sleeps: number[], change: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    timeoutMs: 50,
    maxRetries: 2,
    backoffMs: 10,
    maxRetryAfterMs: 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...change,
  };
}

/** Answers from a script, one entry per request; "hang" waits for the client's deadline. */
function scripted(script: Array<number | "hang" | "refused" | { status: number; retryAfter: string }>) {
  let calls = 0;
  const fetchImpl = (async (_url: string, init?: RequestInit) => {
    const step = script[Math.min(calls++, script.length - 1)];
    if (step === "hang") {
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true }),
      );
    }
    if (step === "refused") throw new TypeError("fetch failed: connection refused");
    if (typeof step === "number") return new Response(`status ${step}`, { status: step });
    return new Response("slow down", { status: step!.status, headers: { "retry-after": step!.retryAfter } });
  }) as typeof fetch;
  return { fetchImpl, calls: () => calls };
}

const make = () => ({ url: "http://127.0.0.1:9/", init: { method: "GET" } });

describe("one cloud call with a deadline and bounded retries", () => {
  it("returns the first final answer, backing off exponentially over 5xx and refused connections", async () => {
    const sleeps: number[] = [];
    const { fetchImpl, calls } = scripted([503, "refused", 404]);
    const answer = await retryingFetch(make, { fetch: fetchImpl, policy: policy(sleeps), label: "test" });
    expect(answer.status).toBe(404);
    expect(calls()).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it("honours Retry-After as seconds and as an HTTP date", async () => {
    const sleeps: number[] = [];
    const date = new Date(Date.now() + 3_000).toUTCString();
    const { fetchImpl } = scripted([
      { status: 429, retryAfter: "2" },
      { status: 429, retryAfter: date },
      200,
    ]);
    await retryingFetch(make, { fetch: fetchImpl, policy: policy(sleeps), label: "test" });
    expect(sleeps[0]).toBe(2_000);
    expect(sleeps[1]).toBeGreaterThan(1_000);
    expect(sleeps[1]).toBeLessThanOrEqual(3_000);
  });

  it("gives up at once when the server asks to wait longer than the lease can", async () => {
    const sleeps: number[] = [];
    const { fetchImpl, calls } = scripted([{ status: 429, retryAfter: "3600" }, 200]);
    const answer = await retryingFetch(make, { fetch: fetchImpl, policy: policy(sleeps), label: "test" });
    expect(answer.status).toBe(429);
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("returns the last 5xx after the retries run out", async () => {
    const { fetchImpl, calls } = scripted([500]);
    const answer = await retryingFetch(make, { fetch: fetchImpl, policy: policy([]), label: "test" });
    expect(answer.status).toBe(500);
    expect(calls()).toBe(3);
  });

  it("throws timeout, naming the call, when every attempt misses its deadline", async () => {
    const { fetchImpl, calls } = scripted(["hang"]);
    await expect(
      retryingFetch(make, { fetch: fetchImpl, policy: policy([]), label: "hetzner GET /servers" }),
    ).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("hetzner GET /servers") });
    expect(calls()).toBe(3);
  });

  it("stops at once when the caller aborts", async () => {
    const { fetchImpl, calls } = scripted(["hang"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("lease cancelled")), 10);
    await expect(
      retryingFetch(make, {
        fetch: fetchImpl,
        policy: policy([], { timeoutMs: 5_000 }),
        label: "test",
        signal: controller.signal,
      }),
    ).rejects.toThrow("lease cancelled");
    expect(calls()).toBe(1);
  });

  it("lets an API decide what is throttling and what is final", async () => {
    const sleeps: number[] = [];
    const { fetchImpl, calls } = scripted([503, 500]);
    const answer = await retryingFetch(make, {
      fetch: fetchImpl,
      policy: policy(sleeps),
      label: "aws",
      classify: (status) => (status === 503 ? "throttle" : "final"),
    });
    expect(answer.status).toBe(500);
    expect(calls()).toBe(2);
  });

  it("reads Retry-After forms", () => {
    expect(retryAfterMs("7")).toBe(7_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs("Thu, 01 Jan 1970 00:00:10 GMT", 0)).toBe(10_000);
  });
});
