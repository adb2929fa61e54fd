import { it, expect } from "vitest";
import { bench } from "../helpers/bench.js";
import { plan } from "../helpers/plan.js";
import { dag } from "@dagger.io/dagger";

it("plan read of a 200-step container chain", async () => {
  const r = await bench("plan(200-step container)", () => {
    let c = dag.container().from("python:3.12");
    for (let i = 0; i < 200; i++) c = c.withEnvVariable(`K${i}`, String(i));
    return plan(c);
  });
  expect(r.runs).toBe(15);
});
