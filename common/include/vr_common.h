/* vr_common.h - the face of common/: errors, logging, buffers, arenas, clocks. */
#ifndef VR_COMMON_H
#define VR_COMMON_H

#include "vr_arena.h"
#include "vr_buf.h"
#include "vr_clock.h"
#include "vr_error.h"
#include "vr_log.h"

#define VR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
