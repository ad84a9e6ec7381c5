/*
 * tool_html.c - escaped text for the commissioning report (see tool_html.h).
 */
#include "tool_html.h"

#include <stdarg.h>

#define HTML_LINE_MAX 2048          /* one formatted piece of text; longer is cut */

void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

static void html_vprintf(FILE *f, const char *fmt, va_list ap)
{
    char buf[HTML_LINE_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    html_text(f, buf);
}

void html_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    html_vprintf(f, fmt, ap);
    va_end(ap);
}

void html_elem(FILE *f, const char *tag, const char *cls, const char *fmt, ...)
{
    va_list ap;
    if (cls)
        fprintf(f, "<%s class=\"%s\">", tag, cls);
    else
        fprintf(f, "<%s>", tag);
    va_start(ap, fmt);
    html_vprintf(f, fmt, ap);
    va_end(ap);
    fprintf(f, "</%s>", tag);
}
