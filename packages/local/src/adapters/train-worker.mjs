// Piscina loads workers with Node itself, so this entry is JavaScript: it registers tsx in
// this thread and hands each batch of jobs to core's runTrainJob over the bucket folder.
import { register } from "tsx/esm/api";

register();
const { runTrainJob } = await import("@myriad/core/forecasting/run-train-job");
const { FolderObjectStore } = await import("./folder-object-store.ts");

const stores = new Map();

/** @param {{ bucketDir: string, jobs: import("@myriad/core/forecasting/train-job").TrainJob[] }} task */
export default async function train({ bucketDir, jobs }) {
  let store = stores.get(bucketDir);
  if (!store) stores.set(bucketDir, (store = new FolderObjectStore(bucketDir)));
  // Two jobs in flight: while one trains (synchronous CPU), the other's series read and
  // artifact write finish in the background instead of leaving the core idle.
  const results = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runTrainJob(store, jobs[i]);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}
