/*
 * vr_clock.h - milliseconds: monotonic for intervals and deadlines, wall
 * clock for what is stored or shown as a time (time_heartbeat, ts_ms).
 */
#ifndef VR_CLOCK_H
#define VR_CLOCK_H

#include <stdint.h>

int64_t vr_mono_ms(void); /* CLOCK_MONOTONIC */
int64_t vr_wall_ms(void); /* CLOCK_REALTIME: since the epoch */

#endif
