/*
 * tool_report_style.h - the commissioning report's stylesheet, inlined in the page.
 *
 * The report is one file with no external resources (it is printed, mailed and
 * filed), so its CSS travels inside it. A4 landscape when printed: the points
 * table is wide. Only system fonts, black on white, colour used for the verdicts
 * but never as their only sign (the words PASS / FAIL are always there).
 */
#ifndef RISKGW_TOOL_REPORT_STYLE_H
#define RISKGW_TOOL_REPORT_STYLE_H

static const char report_style[] =
    ":root{--ink:#111;--muted:#555;--line:#b8b8b8;--pass:#0a6b2c;--fail:#a40000;--warn:#8a5a00}\n"
    "*{box-sizing:border-box}\n"
    "body{font:10.5pt/1.35 'DejaVu Sans','Noto Sans','Liberation Sans',Arial,sans-serif;"
    "color:var(--ink);background:#fff;margin:24px}\n"
    "h1{font-size:20pt;margin:0 0 6px}\n"
    "h2{font-size:13pt;margin:22px 0 4px;border-bottom:2px solid var(--ink);padding-bottom:2px}\n"
    "h2 .kind{font-weight:normal;color:var(--muted);font-size:10pt;margin-left:8px}\n"
    "p{margin:4px 0}\n"
    "table{border-collapse:collapse;width:100%;margin:4px 0}\n"
    "th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}\n"
    "thead th{background:#ececec}\n"
    ".facts th{width:13%;background:#f4f4f4}\n"
    "table.points{table-layout:fixed}\n"
    ".points th:nth-child(1){width:17%}.points th:nth-child(2){width:10%}"
    ".points th:nth-child(3){width:11%}.points th:nth-child(4){width:15%}"
    ".points th:nth-child(5){width:21%}.points th:nth-child(6){width:26%}\n"
    ".points td{overflow-wrap:break-word}.points td:nth-child(2){white-space:nowrap}\n"

    ".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    ".small{font-size:8.5pt;color:var(--muted)}\n"
    ".pass{color:var(--pass);font-weight:bold}\n"
    ".fail{color:var(--fail);font-weight:bold}\n"
    ".warn{color:var(--warn);font-weight:bold}\n"
    ".note{font-size:8.5pt;font-weight:normal}\n"
    ".verdict{display:inline-block;padding:3px 12px;border:2px solid;font-weight:bold;margin:8px 0}\n"
    ".signatures{display:flex;gap:24px;margin-top:28px;page-break-inside:avoid}\n"
    ".sig{flex:1;border:1px solid var(--ink);padding:10px 12px}\n"
    ".sig h3{margin:0 0 6px;font-size:11pt}\n"
    ".sig .line{border-bottom:1px solid var(--ink);height:30px;margin-top:4px;padding-top:10px}\n"
    ".sig .label{font-size:8.5pt;color:var(--muted);margin-bottom:6px}\n"
    "footer{margin-top:18px;font-size:8.5pt;color:var(--muted)}\n"
    "@page{size:A4 landscape;margin:12mm}\n"
    "@media print{body{margin:0;font-size:9pt}h2{page-break-after:avoid}"
    "thead{display:table-header-group}tr{page-break-inside:avoid}"
    ".signatures{page-break-before:auto}}\n";

#endif
