/** The SPA's entry: one covara client for the page's own origin, given to every hook below. */
import { createClient } from "covara/client";
import { CovaraProvider } from "covara/client/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const client = createClient({ baseUrl: "" });
const root = document.getElementById("root");
if (!root) throw new Error('index.html has no <div id="root">');

createRoot(root).render(
  <StrictMode>
    <CovaraProvider client={client}>
      <App />
    </CovaraProvider>
  </StrictMode>,
);
