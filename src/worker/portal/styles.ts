import { html } from "./html";

/** The portal's stylesheet, inlined with the page's nonce: light by default, dark by preference or toggle. */
// Built with `html` (no interpolations) so that it is markup as written, not escaped text.
export const portalCss = html`
:root{--bg:#fbfaf7;--fg:#1d1d1b;--muted:#6b6860;--line:#e2ded4;--card:#fff;--accent:#c2410c;--accent-fg:#fff;
--ok:#15803d;--warn:#b45309;--bad:#b91c1c;--code:#f3f0e8;color-scheme:light}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#15140f;--fg:#ece9e1;--muted:#a29e93;
--line:#34322b;--card:#1e1d17;--accent:#fb923c;--accent-fg:#1b1206;--ok:#4ade80;--warn:#fbbf24;--bad:#f87171;--code:#26241d;color-scheme:dark}}
:root[data-theme=dark]{--bg:#15140f;--fg:#ece9e1;--muted:#a29e93;--line:#34322b;--card:#1e1d17;--accent:#fb923c;
--accent-fg:#1b1206;--ok:#4ade80;--warn:#fbbf24;--bad:#f87171;--code:#26241d;color-scheme:dark}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:.5rem}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem;flex:1}
header.top nav a{text-decoration:none;color:var(--muted);padding:.15rem 0}
header.top nav a[aria-current=page]{color:var(--fg);border-bottom:2px solid var(--accent)}
header.top .who{display:flex;gap:.5rem;align-items:center;color:var(--muted);font-size:.9em}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:var(--card)}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;white-space:nowrap}
th[aria-sort]{cursor:pointer}th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
tr:last-child td{border-bottom:0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
code{background:var(--code);padding:.05rem .3rem;border-radius:4px;overflow-wrap:anywhere}
pre{background:var(--code);padding:.75rem;border-radius:6px;overflow:auto;max-height:28rem;white-space:pre-wrap;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.82em;border:1px solid currentColor}
.s-active,.s-succeeded,.s-ok{color:var(--ok)}.s-provisioning,.s-running{color:var(--warn)}
.s-failed,.s-expired,.s-bad{color:var(--bad)}.s-released{color:var(--muted)}
.muted{color:var(--muted)}
.nowrap{white-space:nowrap}
.card>h2:first-child{margin-top:0}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.75rem}
label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted);gap:.15rem}
input,select,button{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.3rem .55rem}
button,.button{cursor:pointer;background:var(--accent);color:var(--accent-fg);border-color:var(--accent);text-decoration:none;display:inline-block;padding:.3rem .7rem;border-radius:6px}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
button.danger,.button.danger{background:var(--bad);border-color:var(--bad);color:#fff}
.table-tools{display:flex;gap:.5rem;margin-bottom:.5rem}
.table-tools input{flex:1;max-width:24rem}
.copy-row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--muted);font-size:10px}
svg.chart .line{fill:none;stroke:var(--accent);stroke-width:1.6}
svg.chart .bar-est{fill:var(--accent)}svg.chart .bar-res{fill:var(--line)}
svg.chart .cap{stroke:var(--bad);stroke-dasharray:4 3}
svg.chart .axis{stroke:var(--line)}
.meter{height:.5rem;background:var(--line);border-radius:999px;overflow:hidden}
.flash{border-left:4px solid var(--ok)}.flash.bad{border-left-color:var(--bad)}
.visually-hidden{position:absolute;left:-9999px}
.pager{display:flex;gap:1rem;margin-top:.75rem}
@media (max-width:40rem){main{padding:.6rem}th,td{padding:.35rem .4rem}.hide-narrow{display:none}header.top .who{width:100%}}
`;
