/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, which prints its own figures.
 * Benchmarks live here, not in the test suite: tests stay fast and deterministic.
 */
const BENCHES = ["ingest", "train", "serve", "api", "drivers", "drift", "publish", "scale"];
const [name, ...args] = process.argv.slice(2);
if (!name || !BENCHES.includes(name)) {
  console.error(`usage: npm run bench -- <${BENCHES.join("|")}> [args]`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as { main(args: string[]): Promise<void> };
await bench.main(args);
