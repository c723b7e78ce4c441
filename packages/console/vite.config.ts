import { defineConfig } from "vite";

/**
 * The console is a static bundle served by the API server at `/` (packages/local serves
 * dist/ with an index.html fallback), so every request it makes is same-origin and relative.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npm run dev -w @myriad/console` proxies API calls to a running `npm start`.
    proxy: {
      "/v1": "http://127.0.0.1:3000",
      "/uploads": "http://127.0.0.1:3000",
    },
  },
});
