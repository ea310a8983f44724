//! Owns the pages' one stylesheet, inlined in every page: system fonts, a light and a dark
//! palette chosen by `prefers-color-scheme`, colour chips for consensus classes, statuses and
//! stage states, and wide parts (tables, SVG) scrolling inside their own box so the page never
//! scrolls sideways, down to 375 px.

/// The stylesheet.
pub(crate) const CSS: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da;--idle:#8c959f;--accent:#8250df;
--ok-bg:#dafbe1;--warn-bg:#fff8c5;--bad-bg:#ffebe9;--info-bg:#ddf4ff;--idle-bg:#eaeef2;--accent-bg:#fbefff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;
--ok:#3fb950;--warn:#d29922;--bad:#f85149;--info:#58a6ff;--idle:#6e7681;--accent:#a371f7;
--ok-bg:#12261e;--warn-bg:#272115;--bad-bg:#25171c;--info-bg:#121d2f;--idle-bg:#21262d;--accent-bg:#211a2e}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR",sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.4em;margin:.2em 0 .4em;overflow-wrap:anywhere}
h2{font-size:1.15em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid var(--line)}
h3{font-size:1em;margin:1em 0 .3em}
p,li,td,th,dd{overflow-wrap:anywhere}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;color:var(--muted);font-size:.9em}
.meta dt{font-weight:600}.meta dd{margin:0}
.text{white-space:pre-wrap;margin:.3em 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:8px 0}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:8px;background:var(--card)}
table{border-collapse:collapse;font-size:.9em;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}
td.id{white-space:nowrap}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.chip{display:inline-block;border-radius:999px;padding:0 8px;font-size:.8em;font-weight:600;white-space:nowrap;border:1px solid currentColor}
.c-full-consensus,.s-completed,.v-agree,.r-passed,.st-done,.t-GREEN,.x-ok{color:var(--ok);background:var(--ok-bg)}
.c-partial-consensus,.v-unsure,.r-passed-with-dissent,.st-started,.st-reserved,.t-REFACTOR{color:var(--info);background:var(--info-bg)}
.c-worker-unique,.s-pending,.s-running,.v-author,.st-ready{color:var(--accent);background:var(--accent-bg)}
.c-disputed,.s-error,.s-timeout,.s-verification-error,.s-not-run,.v-disagree,.v-verification-error,.r-blocked-by-disagreement,.r-aborted-non-result,.st-blocked,.st-stale,.t-RED,.x-bad{color:var(--bad);background:var(--bad-bg)}
.v-none,.st-none{color:var(--idle);background:var(--idle-bg)}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.finding{margin:8px 0}.finding summary{cursor:pointer}
.matrix td{text-align:center;white-space:nowrap}.matrix td:first-child,.matrix th:first-child{text-align:left;white-space:normal;min-width:8em}
svg{display:block;font:12px system-ui,sans-serif}
svg text{fill:var(--fg)}svg .state,svg .axis{fill:var(--muted)}
svg .edge{fill:none;stroke:var(--muted);stroke-width:1.4}
svg .stage rect{stroke:currentColor;stroke-width:1.5;fill:var(--bg)}
svg .stage.st-done rect,svg .stage.st-started rect,svg .stage.st-ready rect,svg .stage.st-blocked rect,svg .stage.st-stale rect,svg .stage.st-reserved rect{fill:currentColor;fill-opacity:.14}
svg .lane{fill:var(--card)}svg .grid{stroke:var(--line)}
svg .bar{stroke:currentColor;stroke-width:1;fill:currentColor;fill-opacity:.75}
svg .bar.retry{stroke-dasharray:3 2}
svg .deadline{stroke:var(--bad);stroke-width:2}
.bars{display:grid;grid-template-columns:minmax(6em,max-content) 1fr max-content;gap:4px 8px;align-items:center;font-size:.9em}
.bars .track{background:var(--idle-bg);border-radius:4px;height:12px;overflow:hidden}
.bars .fill{background:var(--info);height:100%}.bars .fill.cost{background:var(--accent)}
.replay{border:1px solid var(--warn);color:var(--warn);background:var(--warn-bg);border-radius:8px;padding:6px 10px;margin:8px 0}
"#;
