/* xray.c - XRay mode: connects clang's -fxray-instrument sleds to ctrail's
 * rings.  Built alone into libctrail-xray.a, which ctrail-cc links (whole)
 * into every executable it links in XRay mode, next to compiler-rt's XRay
 * runtime and libctrail.
 *
 * Why a static archive and not part of libctrail.so: clang 14's XRay runtime
 * (libclang_rt.xray-x86_64.a, linked statically by `clang -fxray-instrument`)
 * gives its whole API (__xray_set_handler, __xray_patch, ...) hidden
 * visibility, so only code linked into the executable itself can call it.
 *
 * At start a constructor builds `fn_addr`, a table from XRay function id
 * (1..max) to the function's address, read once through
 * __xray_function_address() from the instrumentation map (the xray_instr_map
 * section); then it installs `on_sled` as the handler and patches every sled,
 * unless CTRAIL_XRAY_PATCH=0.  The handler records the function's address
 * through libctrail's own -finstrument-functions hooks, so the rings, the
 * format and the decoder are those of every other mode.  Storing ids instead
 * would save the one table load per event but need a new event kind and the
 * map read again at decode time; __xray_function_address itself takes a
 * spin lock and copies the map's descriptor (about 8 ns here, and a shared
 * cache line for all threads), hence the table. */
#include <stdint.h>
#include <stdlib.h>

/* From clang's <xray/xray_interface.h>, a C++ header. */
enum xray_entry_type {
	XRAY_ENTRY = 0,
	XRAY_EXIT = 1,
	XRAY_TAIL = 2,           /* leaving through a tail call */
	XRAY_LOG_ARGS_ENTRY = 3, /* entry of an xray_log_args function */
	XRAY_CUSTOM_EVENT = 4,   /* never passed to this handler */
	XRAY_TYPED_EVENT = 5,    /* nor this */
};
int __xray_set_handler(void (*entry)(int32_t, enum xray_entry_type));
int __xray_patch(void); /* returns enum XRayPatchingStatus */
uintptr_t __xray_function_address(int32_t id);
size_t __xray_max_function_id(void);
void __xray_init(void);

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

static uintptr_t *fn_addr; /* [0..max_id], by XRay function id */
static uint32_t max_id;

/* Called by XRay's trampolines, which save every register around it, at
 * each patched sled.  Safe wherever the cyg hooks are (their comment in
 * hooks_x86_64.S): fn_addr and max_id are written once, before the handler
 * is installed, and only read here; a signal handler's sleds nest inside
 * ours like any other call.  Ids come from the map fn_addr was built from; the
 * check only guards against a handler left installed by a program that
 * changed the map (XRay in clang 14 has no map but the executable's). */
static void on_sled(int32_t id, enum xray_entry_type type)
{
	if ((uint32_t)id > max_id)
		return;
	void *fn = (void *)fn_addr[id];
	if (type == XRAY_EXIT || type == XRAY_TAIL)
		__cyg_profile_func_exit(fn, NULL);
	else if (type == XRAY_ENTRY || type == XRAY_LOG_ARGS_ENTRY)
		__cyg_profile_func_enter(fn, NULL);
}

/* Priority 101: before the executable's other constructors (and C++
 * static initializers), so those are traced as in the other modes. */
__attribute__((constructor(101))) static void xray_start(void)
{
	const char *patch = getenv("CTRAIL_XRAY_PATCH");
	size_t n;

	__xray_init(); /* idempotent; normally done from .preinit_array */
	n = __xray_max_function_id();
	if (n == 0 || n > INT32_MAX || !(fn_addr = calloc(n + 1, sizeof(*fn_addr))))
		return;
	for (size_t id = 1; id <= n; id++)
		fn_addr[id] = __xray_function_address(id);
	max_id = n;
	if (!__xray_set_handler(on_sled))
		return;
	if (!patch || *patch != '0')
		__xray_patch();
}
