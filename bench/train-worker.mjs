// Pool worker for bench/train.ts. Node loads workers itself, so this file is JavaScript: it
// registers tsx, then imports the TypeScript task code.
import { register } from "tsx/esm/api";

register();
const { runTask } = await import("./train-data.ts");

export default function train(task) {
  return runTask(task);
}
