/*
 * point.c - the few facts every module asks about a point's type and a reading's quality.
 *
 * Kept apart from the decoder so that the config loader, the batch planner and the
 * store can ask "how wide is a float64?" or "may a rule use this reading?" without
 * pulling in any decoding. The quality names are wire names: they appear in MQTT
 * payloads, HTTP bodies and the SQLite store, so they never change spelling.
 */
#include "point.h"

const char *const point_area_names[POINT_AREA_COUNT] = {"coil", "discrete", "holding", "input"};
const char *const point_type_names[POINT_TYPE_COUNT] = {"bit", "int16", "uint16", "int32", "uint32",
                                                        "float32", "int64", "uint64", "float64"};

int point_type_registers(enum value_type type)
{
    switch (type) {
    case VT_BIT:
    case VT_INT16:
    case VT_UINT16:
        return 1;
    case VT_INT32:
    case VT_UINT32:
    case VT_FLOAT32:
        return 2;
    case VT_INT64:
    case VT_UINT64:
    case VT_FLOAT64:
        return 4;
    }
    return 1;
}

const char *quality_name(enum quality q)
{
    switch (q) {
    case QUALITY_GOOD:
        return "good";
    case QUALITY_UNCERTAIN:
        return "uncertain";
    case QUALITY_OUT_OF_RANGE:
        return "out_of_range";
    case QUALITY_SENSOR_FAULT:
        return "sensor_fault";
    case QUALITY_COMM_FAIL:
        return "comm_fail";
    }
    return "unknown";
}

int quality_has_value(enum quality q)
{
    return q == QUALITY_GOOD || q == QUALITY_UNCERTAIN;
}
