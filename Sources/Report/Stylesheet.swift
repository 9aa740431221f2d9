/// The report's only style sheet, inline: no fonts, no network. Light and dark through
/// `prefers-color-scheme`, and a print layout. Colours come in pairs of hue and dash pattern, so
/// series stay apart without colour too. (No `<` or `&` in it: the page must parse as XML.)
enum Stylesheet {
    static let css = """
    :root {
      color-scheme: light dark;
      --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
      --ok-bg: #dafbe1; --ok-fg: #116329; --ok-border: #2da44e;
      --bad-bg: #ffebe9; --bad-fg: #82071e; --bad-border: #cf222e;
      --warn-bg: #fff8c5; --warn-fg: #6f3800; --warn-border: #bf8700;
      --s1: #0969da; --s2: #bc4c00; --s3: #1a7f37; --s4: #8250df;
      --ref1: #57606a; --ref2: #cf222e;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
        --ok-bg: #0f2d1a; --ok-fg: #7ee787; --ok-border: #2ea043;
        --bad-bg: #3b1219; --bad-fg: #ffa198; --bad-border: #f85149;
        --warn-bg: #3a2a05; --warn-fg: #e3b341; --warn-border: #bb8009;
        --s1: #58a6ff; --s2: #f0883e; --s3: #56d364; --s4: #d2a8ff;
        --ref1: #9da7b3; --ref2: #ff7b72;
      }
    }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 1100px; padding: 24px; background: var(--bg); color: var(--fg);
           font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
    h1 { font-size: 1.6em; margin: 0 0 8px; }
    h2 { font-size: 1.25em; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
    h3 { font-size: 1.05em; margin: 20px 0 6px; }
    p, li { max-width: 90ch; }
    code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; word-break: break-all; }
    .banner { border: 2px solid; border-radius: 8px; padding: 16px 20px; margin: 16px 0 24px; }
    .banner.ok { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-border); }
    .banner.bad { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-border); }
    .banner.claim-not-holding { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-border); border-width: 4px; }
    .banner h2 { border: 0; margin: 0 0 8px; font-size: 1.4em; }
    .banner dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
    .banner dt { font-weight: 600; }
    .banner dd { margin: 0; }
    .findings li { margin: 4px 0; }
    table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
    caption { text-align: left; color: var(--muted); padding: 4px 0; caption-side: top; }
    th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
    thead th, .keyvalue th { background: var(--panel); }
    td { font-variant-numeric: tabular-nums; }
    .status-passed { color: var(--ok-fg); font-weight: 600; }
    .status-other { color: var(--bad-fg); font-weight: 600; }
    figure { margin: 16px 0 28px; padding: 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
    figcaption { margin-bottom: 8px; }
    svg.chart { width: 100%; max-width: 720px; height: auto; display: block; }
    svg.chart text { fill: var(--fg); font-size: 12px; font-family: inherit; }
    svg.chart .axis-label { font-size: 13px; font-weight: 600; }
    svg.chart .axis { stroke: var(--fg); stroke-width: 1; }
    svg.chart .grid { stroke: var(--line); stroke-width: 1; }
    svg.chart .bar.s1, svg.chart .marker.s1 { fill: var(--s1); }
    svg.chart .bar.s2, svg.chart .marker.s2 { fill: var(--s2); }
    svg.chart .bar.s3, svg.chart .marker.s3 { fill: var(--s3); }
    svg.chart .bar.s4, svg.chart .marker.s4 { fill: var(--s4); }
    svg.chart .line { fill: none; stroke-width: 2.5; }
    svg.chart .line.s1 { stroke: var(--s1); }
    svg.chart .line.s2 { stroke: var(--s2); stroke-dasharray: 8 4; }
    svg.chart .line.s3 { stroke: var(--s3); stroke-dasharray: 2 3; }
    svg.chart .line.s4 { stroke: var(--s4); stroke-dasharray: 10 3 2 3; }
    svg.chart .line.dashed { stroke-dasharray: 6 4; }
    svg.chart .ref { stroke-width: 2; }
    svg.chart .ref.ref1 { stroke: var(--ref1); stroke-dasharray: 6 4; }
    svg.chart .ref.ref2 { stroke: var(--ref2); stroke-dasharray: 2 3; }
    svg.chart .ref.ref3 { stroke: var(--s3); stroke-dasharray: 10 3; }
    .legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
    .swatch { display: inline-block; width: 22px; height: 0; border-top: 4px solid var(--s1); margin-right: 6px; vertical-align: middle; }
    .swatch.s2 { border-top: 4px dashed var(--s2); }
    .swatch.s3 { border-top: 4px dotted var(--s3); }
    .swatch.s4 { border-top: 4px dashed var(--s4); }
    .swatch.ref1 { border-top: 3px dashed var(--ref1); }
    .swatch.ref2 { border-top: 3px dotted var(--ref2); }
    .swatch.ref3 { border-top: 3px dashed var(--s3); }
    .swatch.dashed { border-top-style: dashed; }
    .swatch.block { border-top-style: solid; border-top-width: 12px; width: 14px; }
    .cores { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 0 16px; }
    .note { color: var(--muted); }
    footer { margin-top: 40px; color: var(--muted); font-size: 0.9em; }
    @media print {
      :root {
        --bg: #ffffff; --fg: #000000; --muted: #333333; --line: #999999; --panel: #eeeeee;
        --s1: #0550ae; --s2: #953800; --s3: #116329; --s4: #6639ba; --ref1: #333333; --ref2: #a40e26;
      }
      body { max-width: none; padding: 0; font-size: 11pt; }
      * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
      figure, table, .banner { break-inside: avoid; page-break-inside: avoid; }
      h2 { break-after: avoid; page-break-after: avoid; }
      .cores { display: block; }
    }
    """
}
