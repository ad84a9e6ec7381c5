/*
 * tool_html.h - write text into HTML safely: the commissioning report's only output primitive.
 *
 * Everything in the report that came from a config, a profile, a device or a
 * results file is text, never markup: a point named `Tank <A> & "west"` must print
 * as exactly that. Markup is written with fputs; text only through these.
 */
#ifndef RISKGW_TOOL_HTML_H
#define RISKGW_TOOL_HTML_H

#include <stdio.h>

/* s with & < > " ' escaped: safe as element text and inside a quoted attribute. */
void html_text(FILE *f, const char *s);

/* printf, and the whole result escaped as html_text. */
void html_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* <tag class="cls">escaped printf</tag>; cls may be NULL. */
void html_elem(FILE *f, const char *tag, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
