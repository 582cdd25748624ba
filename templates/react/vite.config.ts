/** The React SPA: `vite` serves it in development (proxying /api to covara dev), `vite build` writes dist/web for the server. */
import { defineConfig } from "vite";

export default defineConfig({
  build: { outDir: "dist/web", emptyOutDir: true },
  server: { proxy: { "/api": "http://localhost:3000" } },
});
