/**
 * The portal's run pages for what a run leaves behind (docs/cli.md "Artifacts", "Shards"),
 * through the Worker's real `fetch` in workerd: runs made and finished through the API, the
 * pages read with a signed portal session of their owner.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { api, freshFleet, uniqueOwner } from "../../support/fleet-api";
import { portalPage } from "./portal-page";

async function okPage(who: { owner: string; org: string }, path: string): Promise<string> {
  const { status, text } = await portalPage(who, path);
  expect(status, text).toBe(200);
  return text;
}

beforeEach(() => {
  freshFleet();
});

/** The run IDs a page's run table links to, in order. */
const linkedRuns = (page: string) =>
  [...page.matchAll(/<a href="\/portal\/runs\/(run_\w+)"/g)].map((m) => m[1]);

describe("the portal's run pages", () => {
  it("list a run's artifacts with size and SHA-256, names escaped, and say where the files are", async () => {
    const who = uniqueOwner("alice");
    const run = (await api(who, "POST", "/v1/runs", { command: ["make", "report"] })).body.run;
    const sha = "b".repeat(64);
    const finished = await api(who, "POST", `/v1/runs/${run.id}/finish`, {
      exitCode: 0,
      artifacts: [
        { path: "out/report one.txt", bytes: 2048, sha256: sha },
        { path: "out/<ünï>.log", bytes: 3, sha256: "c".repeat(64) },
      ],
    });
    expect(finished.status, finished.text).toBe(200);
    const page = await okPage(who, `/portal/runs/${run.id}`);
    const table = page.slice(page.indexOf("<table data-portal-table data-artifacts"));
    const rows = [
      ...table
        .slice(0, table.indexOf("</table>"))
        .matchAll(/<tr><td><code>(.*?)<\/code><\/td><td>(.*?)<\/td><td><code>(\w+)<\/code>/g),
    ];
    expect(rows.map((r) => [r[1], r[3]])).toEqual([
      ["out/report one.txt", sha],
      ["out/&lt;ünï&gt;.log", "c".repeat(64)],
    ]);
    expect(rows[0]![2]).toMatch(/2(\.0)? KiB/);
    expect(page).toContain(`<code>.crabbox/artifacts/${run.id}/</code>`);
    expect(page).toContain(`<code>crabbox artifacts ${run.id}</code>`);
    expect(page).not.toContain("<ünï>");

    const bare = (await api(who, "POST", "/v1/runs", { command: ["true"] })).body.run;
    await api(who, "POST", `/v1/runs/${bare.id}/finish`, { exitCode: 0 });
    expect(await okPage(who, `/portal/runs/${bare.id}`)).toContain("No artifacts were copied back.");
  });

  it("show a shard's place in its group with the group's runs, and the runs page filters by group", async () => {
    const who = uniqueOwner("bob");
    const group = "shg_0123456789ab";
    const shards: string[] = [];
    for (const index of [2, 1, 3]) {
      const made = await api(who, "POST", "/v1/runs", {
        command: ["npm", "test"],
        shard: { group, index, total: 3 },
      });
      expect(made.status, made.text).toBe(201);
      shards[index - 1] = made.body.run.id;
      await api(who, "POST", `/v1/runs/${made.body.run.id}/finish`, { exitCode: index === 3 ? 5 : 0 });
    }
    const other = (await api(who, "POST", "/v1/runs", { command: ["other"] })).body.run.id;

    const page = await okPage(who, `/portal/runs/${shards[1]}`);
    const section = page.slice(page.indexOf(`<section class="card" data-shard-group="${group}">`));
    expect(section.length).toBeLessThan(page.length);
    const card = section.slice(0, section.indexOf("</section>"));
    expect(card).toContain("<h2>Shard 2 of 3</h2>");
    expect(card).toContain(`<a href="/portal/runs?shard=${group}"><code>${group}</code></a>`);
    expect(card).toContain("3 of 3 runs recorded, 1 not succeeded.");
    // the group's runs, by shard index, each with its badge
    expect(linkedRuns(card)).toEqual(shards);
    for (const i of [1, 2, 3]) expect(card).toContain(`shard ${i}/3</span>`);

    const filtered = await okPage(who, `/portal/runs?shard=${group}`);
    expect(new Set(linkedRuns(filtered))).toEqual(new Set(shards));
    expect(filtered).toContain(`name="shard" value="${group}"`);
    expect(linkedRuns(await okPage(who, "/portal/runs"))).toContain(other);
    // a run outside any group has no shard card
    expect(await okPage(who, `/portal/runs/${other}`)).not.toContain("data-shard-group");
    // another owner's session sees none of the group
    expect(linkedRuns(await okPage(uniqueOwner("eve"), `/portal/runs?shard=${group}`))).toEqual([]);
  });
});
