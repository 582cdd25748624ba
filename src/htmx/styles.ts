/** covara's default page stylesheet: readable type, tidy lists and forms, visible errors and pending rows. */
export const DEFAULT_STYLES = `
:root{color-scheme:light dark;--accent:#2563eb;--muted:#6b7280;--line:#e5e7eb;--danger:#b91c1c}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:42rem;margin:2.5rem auto;padding:0 1rem}
h1,h2{line-height:1.2}
[hidden]{display:none!important}
.covara-live form{display:flex;gap:.5rem;margin:0 0 .75rem}
.covara-live input:not([type=checkbox]){flex:1;padding:.45rem .6rem;border:1px solid var(--line);border-radius:.4rem;font:inherit}
.covara-live button{padding:.45rem .8rem;border:1px solid var(--line);border-radius:.4rem;background:transparent;font:inherit;cursor:pointer}
.covara-live form button{background:var(--accent);border-color:var(--accent);color:#fff}
.covara-live ul,.covara-live ol{list-style:none;padding:0;margin:0;border-top:1px solid var(--line)}
.covara-live li{display:flex;align-items:center;justify-content:space-between;gap:.6rem;padding:.5rem .25rem;border-bottom:1px solid var(--line)}
.covara-live li form{flex:1;margin:0}
.covara-errors:empty{display:none}
.covara-error{border:1px solid var(--danger);color:var(--danger);border-radius:.4rem;padding:.5rem .75rem;margin:0 0 .75rem}
.covara-error ul{margin:.25rem 0 0;padding-left:1.1rem;border:0;list-style:disc}
.covara-error li{display:list-item;border:0;padding:0}
.htmx-request{opacity:.6}
`;
