// Load generator for bench/api.ts, in its own process: random customers' forecasts.
const autocannon = require("autocannon");

const [url, key, seconds, customers] = process.argv.slice(2);
autocannon(
  {
    url,
    connections: 32,
    duration: Number(seconds),
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
