/*
 * sim_device.h - one simulated instrument: a profile, a unit id, its registers and a scenario.
 *
 * A device owns its register tables (a libmodbus mapping sized from the profile's
 * highest address in each area) and decides, point by point, what they show: the
 * scenario's value, a value a technician set, or a fault signal. It knows nothing
 * of sockets, so one process can serve many devices: several unit ids behind one
 * port (a TCP-to-RTU converter) or one device per port (sim_tcp), or a serial
 * line (sim_rtu). It also holds the communication faults it is told to show
 * (sim_fault.h) and decides, request by request, how it answers.
 */
#ifndef RISKGW_SIM_DEVICE_H
#define RISKGW_SIM_DEVICE_H

#include <stdint.h>
#include <stdio.h>
#include <modbus/modbus.h>
#include "json_field.h"
#include "profile.h"
#include "sim_fault.h"
#include "sim_scenario.h"

struct sim_device;

/*
 * Bind a profile and (optionally) a scenario to a unit id. Every timeline must
 * name a point of the profile, every value it can reach must fit the point's
 * registers, and every fault segment needs a fault signal; otherwise NULL and err
 * names the scenario file and JSON path. pf and sc are borrowed: keep them alive
 * until sim_device_free.
 */
struct sim_device *sim_device_new(const struct profile *pf, uint8_t unit,
                                  const struct sim_scenario *sc, struct cfg_err *err);
void sim_device_free(struct sim_device *dev);

uint8_t sim_device_unit(const struct sim_device *dev);
const struct profile *sim_device_profile(const struct sim_device *dev);

/* Name the device (a site file's id) in its log lines and 'show'. */
void sim_device_set_id(struct sim_device *dev, const char *id);
const char *sim_device_id(const struct sim_device *dev);   /* "" when unnamed */

modbus_mapping_t *sim_device_tables(struct sim_device *dev);

/* Bring the tables up to elapsed_s scenario seconds (and sim_device_advance). A
 * device with no scenario rewrites its tables only after an override changed, so
 * what a master writes there stays until then. */
void sim_device_update(struct sim_device *dev, double elapsed_s);

/* The cheap part of an update, for the periodic tick: apply the scenario's fault
 * cues and log (info) each segment a point enters and the end of a non-looping
 * scenario, once each. The tables are refreshed when a request reads them. */
void sim_device_advance(struct sim_device *dev, double elapsed_s);

/* Show a communication fault (sim_fault.h). A reset goes to the hook the
 * transport gave. -1 with err (nothing changed) when a gap is one too many. */
int sim_device_inject(struct sim_device *dev, const struct sim_inject *inj, struct cfg_err *err);

typedef void sim_reset_fn(void *arg, long ms);
void sim_device_on_reset(struct sim_device *dev, sim_reset_fn *fn, void *arg);

/* Answer one request PDU at elapsed_s scenario seconds under the standing faults. */
void sim_device_answer(struct sim_device *dev, double elapsed_s, const uint8_t *req, size_t len,
                       struct sim_answer *a);

/* Technician overrides, by point id. Each returns -1 with err (and changes
 * nothing) for an unknown point or a value the point cannot show. */
int sim_device_set(struct sim_device *dev, const char *point, double value, struct cfg_err *err);
int sim_device_fault(struct sim_device *dev, const char *point, struct cfg_err *err);
int sim_device_recover(struct sim_device *dev, const char *point, struct cfg_err *err);

/* One line per point: id, what drives it, the value shown, the unit; then the
 * standing communication fault and gaps, if any. */
void sim_device_show(const struct sim_device *dev, FILE *out);

#endif
