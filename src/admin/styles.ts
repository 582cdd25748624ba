/** The admin UI's stylesheet, served from the package (no CDN): a sidebar layout that folds into a top bar on phones. */
export const ADMIN_STYLES = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#4f46e5;--accent-ink:#fff;--danger:#b91c1c;--ok:#047857;--warn:#b45309;--side:#111827;--side-ink:#d1d5db;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);display:grid;grid-template-columns:220px minmax(0,1fr);min-height:100vh}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.side{background:var(--side);color:var(--side-ink);padding:1.25rem .75rem;display:flex;flex-direction:column;gap:.25rem}
.brand{font-weight:700;font-size:1.05rem;color:#fff;padding:.25rem .6rem 1rem;letter-spacing:.02em}
.brand small{display:block;font-weight:400;font-size:.75rem;color:var(--muted)}
.side a{color:var(--side-ink);padding:.45rem .6rem;border-radius:.4rem;display:block}
.side a:hover{background:#1f2937;text-decoration:none}
.side a[aria-current=page]{background:var(--accent);color:#fff}
.who{margin-top:auto;font-size:.75rem;color:var(--muted);padding:.5rem .6rem;word-break:break-all}
main{padding:1.5rem 2rem;min-width:0}
h1{font-size:1.4rem;margin:0 0 .25rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.lead{color:var(--muted);margin:0 0 1.25rem}
label.block{display:flex;flex-direction:column;gap:.2rem;font-size:.75rem;color:var(--muted);font-weight:600;margin:0 0 .75rem}
.card>h2:first-child{margin-top:0;display:flex;gap:.5rem;align-items:center}
.card{background:var(--panel);border:1px solid var(--line);border-radius:.6rem;padding:1rem;margin:0 0 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:.75rem;margin:0 0 1rem}
.stat{background:var(--panel);border:1px solid var(--line);border-radius:.6rem;padding:.9rem 1rem}
.stat b{display:block;font-size:1.5rem}
.stat span{color:var(--muted);font-size:.8rem}
.table-wrap{overflow-x:auto;background:var(--panel);border:1px solid var(--line);border-radius:.6rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{text-align:left;padding:.5rem .7rem;border-bottom:1px solid var(--line);vertical-align:top;white-space:nowrap;max-width:24rem;overflow:hidden;text-overflow:ellipsis}
th{background:#f9fafb;font-weight:600;color:#374151;position:sticky;top:0}
tr:last-child td{border-bottom:0}
td.actions{width:1%}
.row-actions{display:flex;gap:.35rem}
.null{color:var(--muted);font-style:italic}
code,pre,.mono{font-family:var(--mono);font-size:.8rem}
pre{background:#0f172a;color:#e2e8f0;padding:.9rem;border-radius:.5rem;overflow:auto;max-height:28rem;white-space:pre-wrap;word-break:break-word}
form.inline{display:inline}
.toolbar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:0 0 1rem}
.toolbar label,.fields label{display:flex;flex-direction:column;gap:.2rem;font-size:.75rem;color:var(--muted);font-weight:600}
.toolbar label.grow{flex:1 1 16rem}
input,select,textarea{font:inherit;font-weight:400;padding:.45rem .6rem;border:1px solid #d1d5db;border-radius:.4rem;background:#fff;color:var(--ink);min-width:0}
input[aria-invalid=true]{border-color:var(--danger);background:#fffafa}
input::placeholder,textarea::placeholder{color:#9ca3af;font-weight:400}
input:focus,select:focus,textarea:focus{outline:2px solid var(--accent);outline-offset:-1px}
textarea{font-family:var(--mono);font-size:.8rem;width:100%;min-height:6rem}
button,.button{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-ink);cursor:pointer;display:inline-block}
button.ghost,.button.ghost{background:#fff;color:var(--ink);border-color:#d1d5db}
button.danger{background:#fff;color:var(--danger);border-color:#fecaca}
button.small,.button.small{padding:.2rem .55rem;font-size:.75rem}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem;margin:0 0 .75rem}
.alert{border:1px solid #fecaca;background:#fef2f2;color:var(--danger);border-radius:.5rem;padding:.6rem .8rem;margin:0 0 1rem}
.notice{border:1px solid #a7f3d0;background:#ecfdf5;color:var(--ok);border-radius:.5rem;padding:.6rem .8rem;margin:0 0 1rem}
.empty{color:var(--muted);padding:1.5rem;text-align:center}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:.72rem;font-weight:700;background:#eef2ff;color:var(--accent)}
.badge.get{background:#ecfdf5;color:var(--ok)}.badge.post{background:#eff6ff;color:#1d4ed8}.badge.patch,.badge.put{background:#fffbeb;color:var(--warn)}.badge.delete{background:#fef2f2;color:var(--danger)}
.badge.s2{background:#ecfdf5;color:var(--ok)}.badge.s4{background:#fffbeb;color:var(--warn)}.badge.s5{background:#fef2f2;color:var(--danger)}
.pager{display:flex;gap:.5rem;justify-content:flex-end;margin-top:.75rem}
.live{display:inline-block;margin-left:.5rem;font-size:.72rem;font-weight:600;color:var(--muted);border:1px solid var(--line);border-radius:999px;padding:0 .5rem;background:#fff}
.live::before{content:"\\25CF\\00a0";color:#9ca3af}
.live[data-state=open]::before{color:var(--ok)}
.tabs{display:flex;gap:.25rem;flex-wrap:wrap;margin:0 0 1rem}
.tabs a{padding:.35rem .75rem;border-radius:999px;border:1px solid var(--line);background:#fff;color:var(--ink)}
.tabs a[aria-current=page]{background:var(--ink);color:#fff;border-color:var(--ink)}
details>summary{cursor:pointer;font-weight:600;margin:0 0 .5rem}
.bar{height:.5rem;background:var(--accent);border-radius:.25rem;min-width:2px}
@media (max-width:760px){
body{grid-template-columns:1fr;grid-template-rows:auto 1fr}
.side{flex-direction:row;align-items:center;overflow-x:auto;padding:.6rem .5rem;gap:.15rem;position:sticky;top:0;z-index:2;min-height:3rem}
.brand{padding:0 .5rem 0 .25rem;font-size:.95rem}.brand small,.who{display:none}
.side a{white-space:nowrap;padding:.35rem .55rem}
main{padding:1rem}
.grid{grid-template-columns:repeat(2,minmax(0,1fr))}
.toolbar label{flex:1 1 40%}.toolbar label.grow{flex-basis:100%}
h1{font-size:1.25rem}
}
`;
