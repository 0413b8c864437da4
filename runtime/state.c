/* state.c - the runtime's `ctrail_state` (state.h): a fixed record of where
 * everything a core reader needs lives.  The thread lists and drop counts
 * are reached through pointers set here once; modules.c and clock.c copy
 * the module array and clock values in as they change.  modules.c and
 * clock.c refer to it, which keeps it in static links too. */
#include <stddef.h>
#include "runtime.h"
#include "state.h"

#define OFF(type, field) ((uint16_t)offsetof(struct type, field))

__attribute__((visibility("default"))) struct ctrail_state ctrail_state = {
	.magic = CTRAIL_STATE_MAGIC,
	.version = CTRAIL_STATE_VERSION,
	.size = sizeof(struct ctrail_state),
	.layout = {
		.thread_next = OFF(ctrail_thread, next),
		.thread_tls = OFF(ctrail_thread, tls),
		.thread_ring = OFF(ctrail_thread, ring),
		.thread_size = OFF(ctrail_thread, size),
		.thread_final_off = OFF(ctrail_thread, final_off),
		.thread_tid = OFF(ctrail_thread, tid),
		.thread_is_main = OFF(ctrail_thread, is_main),
		.thread_name = OFF(ctrail_thread, name),
		.tls_off = OFF(ctrail_tls, off),
		.module_size = sizeof(struct module_record),
		.module_hdr = OFF(module_record, hdr),
		.module_segs = OFF(module_record, segs),
		.module_build_id = OFF(module_record, build_id),
		.module_path = OFF(module_record, path),
	},
	.live_threads = &live_threads,
	.exited_threads = &exited_threads,
	.dropped_threads = &dropped_threads,
	.dropped_events = &dropped_events,
};
