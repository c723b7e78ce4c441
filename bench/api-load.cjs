// Load generator for bench/api.ts, in its own process: random customers' forecasts, as fast as
// the server answers, or at an offered rate (requests/s across all connections) when one is given.
const autocannon = require("autocannon");

const [url, key, seconds, customers, rate] = process.argv.slice(2);
autocannon(
  {
    url,
    connections: 32,
    duration: Number(seconds),
    ...(rate ? { overallRate: Number(rate) } : {}),
    headers: { authorization: `Bearer ${key}` },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          path: `/v1/datasets/bench/customers/${Math.floor(Math.random() * Number(customers))}/forecast`,
        }),
      },
    ],
  },
  (err, result) => {
    if (err) throw err;
    process.stdout.write(JSON.stringify(result));
  },
);
