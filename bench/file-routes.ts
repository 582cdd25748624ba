/**
 * What a file-system route costs against the same handler registered by hand: `GET
 * /api/posts/7?fields=long` through `app.request` (in process), the route validating its params
 * and query with Zod. The hand-written baseline validates with the same schemas and answers the
 * same 422 on failure; both apps are createCovara apps with the same middleware. Variants are
 * interleaved in rotating batches; the ratio is baseline µs / variant µs (target ≥ 0.95).
 * Printed twice: wall time (the shared in-process table), and this process's CPU time per request,
 * which a loaded machine disturbs less (time spent descheduled is not counted).
 * Usage: node --import tsx bench/file-routes.ts [--rounds N] [--batch N]
 */
import { loadavg } from "node:os";
import { createCovara, ProblemError } from "../src";
import { compareInProcess, inProcessArgs, type InProcessVariant } from "./in-process";
import { postSchema, showPost } from "./fixtures/file-routes/post";

function byHand(): InProcessVariant {
  const app = createCovara();
  app.get("/api/posts/:id", (c) => {
    const params = postSchema.params.safeParse(c.req.param());
    const query = postSchema.query.safeParse(c.req.query());
    if (!params.success || !query.success) {
      const errors = [...(params.error?.issues ?? []), ...(query.error?.issues ?? [])].map((issue) => ({
        path: issue.path.join("."),
        message: issue.message,
      }));
      throw new ProblemError("validation-error", { status: 422, extensions: { errors } });
    }
    return c.json(showPost(params.data.id, query.data.fields));
  });
  return { name: "registered by hand (baseline)", app, headers: {} };
}

async function fromFiles(): Promise<InProcessVariant> {
  const app = createCovara();
  await app.fileRoutes(new URL("./fixtures/file-routes/routes", import.meta.url));
  return { name: "app.fileRoutes", app, headers: {} };
}

const PATH = "/api/posts/7?fields=long";
const variants = [byHand(), await fromFiles()];
const { rounds, batch } = inProcessArgs({ rounds: 21, batch: 2000 });
console.log(
  `load average before: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
await compareInProcess(variants, {
  title: "file route vs hand-registered route, wall time",
  path: PATH,
  expectedBody: JSON.stringify(showPost(7, "long")),
  rounds,
  batch,
});

/** CPU µs per request of one batch. */
async function cpuBatch(variant: InProcessVariant): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < batch; i++) await (await variant.app.request(PATH)).arrayBuffer();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / batch;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cpu: number[][] = variants.map(() => []);
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  const thisRound: number[] = [];
  for (const index of order) thisRound[index] = await cpuBatch(variants[index]!);
  for (const [index, us] of thisRound.entries()) cpu[index]!.push(us);
  ratios.push(thisRound[0]! / thisRound[1]!);
}
console.log(`\nfile route vs hand-registered route, CPU time, ${rounds} rounds × ${batch} requests per variant`);
console.log("| variant | CPU µs / request (median) | ratio vs baseline (median, min–max) |");
console.log("|---|---:|---:|");
console.log(`| ${variants[0]!.name} | ${median(cpu[0]!).toFixed(1)} | 1.00 |`);
console.log(
  `| ${variants[1]!.name} | ${median(cpu[1]!).toFixed(1)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
);
console.log(
  `load average after: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
