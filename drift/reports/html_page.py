"""The HTML report's page skeleton, stylesheet and column-sorting script.

Kept apart from the rendering code so that the markup reads as a page. Everything is inline:
the file is mailed, attached to tickets and archived as audit evidence, so it must open
anywhere without fetching anything. The Content-Security-Policy forbids every external load,
and the script is optional (the table is already sorted without it).
"""

from __future__ import annotations

from string import Template

STYLE = """\
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1280px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: var(--muted); margin: 2px 0; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 18px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 120px;
        background: var(--bg); }
.card .value { font-size: 22px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; }
.card.bad .value { color: #cf222e; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
         vertical-align: top; }
th { background: var(--bg); cursor: pointer; user-select: none; white-space: nowrap; }
td ul { margin: 0; padding-left: 16px; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px;
         font-weight: 600; color: #fff; }
.badge.critical { background: #82071e; }
.badge.high { background: #cf222e; }
.badge.medium { background: #bc4c00; }
.badge.low { background: #59636e; }
.badge.new { background: #0969da; }
.authorized { color: #1a7f37; }
.unauthorized { color: #cf222e; font-weight: 600; }
.sensitive { font-style: italic; color: var(--muted); }
.empty { padding: 16px; border: 1px dashed var(--line); border-radius: 6px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
"""

SCRIPT = """\
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var key = function (row) {
      var cell = row.cells[col];
      return cell.getAttribute("data-sort") || cell.textContent.trim();
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  });
});
"""

PAGE = Template("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="changegate $version">
<title>$title: $audit_id</title>
<style>
$style</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="meta">Audit <code>$audit_id</code> generated at \
<time datetime="$generated_at">$generated_at</time> by changegate $version.</p>
$sources</header>
<section class="cards" aria-label="Summary">
$cards</section>
<section>
<h2>Findings ($finding_count)</h2>
<p class="meta">New since the previous audit: $new_count; resolved: $resolved_count.</p>
$findings</section>
$alerts<footer>$hint</footer>
<script>
$script</script>
</body>
</html>
""")
