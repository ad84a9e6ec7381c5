/*
 * sim_text.h - strict number parsing and word splitting for the command line and
 * the control lines.
 *
 * "25x", "", "1e999" and "nan" are typing mistakes, not numbers: these refuse
 * anything that is not wholly a finite number in range, so a technician's typo
 * never becomes a register value.
 */
#ifndef RISKGW_SIM_TEXT_H
#define RISKGW_SIM_TEXT_H

/* 0 and *out when s is wholly a finite number; -1 otherwise. */
int sim_text_double(const char *s, double *out);
/* 0 and *out when s is wholly a decimal integer in [lo, hi]; -1 otherwise. */
int sim_text_long(const char *s, long lo, long hi, long *out);
/* Split line in place at blanks (spaces, tabs, a CR) into at most max words.
 * Returns how many, or max + 1 when there are more. */
int sim_text_split(char *line, char **words, int max);

#endif
