/* ctr.h - the .ctr snapshot format, shared by the runtime (writer) and the
 * decoder (reader).  docs/format.md is the same specification in prose.
 *
 * A .ctr file is a 16-byte file header followed by chunks.  Every chunk is a
 * 16-byte chunk header (tag, payload size) and a payload padded with zero
 * bytes to a multiple of 8, so chunk headers are always 8-byte aligned.  A
 * reader skips chunks whose tag it does not know; that is how new chunk
 * types are added without breaking old readers.  All integers are
 * little-endian and of fixed width.
 *
 *   offset  size  file header
 *   0       8     magic "CTRAIL\0\n"
 *   8       4     version (CTR_VERSION)
 *   12      4     size of the file header (16); later versions may grow it
 *
 *   offset  size  chunk header
 *   0       4     tag (CTR_CHUNK_*)
 *   4       4     reserved, zero
 *   8       8     payload size in bytes, not counting the padding
 *
 * A file holds one or more snapshots.  A snapshot starts with a SNAPSHOT
 * chunk; every chunk up to the next SNAPSHOT or END chunk belongs to it.
 * Inside a snapshot: one PROCESS, one CLOCK, one MODULE per loaded object
 * and one THREAD per thread, in any order, and optionally one SCHED and
 * one SYSINFO, and at most one STACK per live thread.  The file ends with
 * an END chunk;
 * a file without one was truncated and readers must reject it.
 *
 * Events are 16 bytes: a tagged word and a TSC value.  The top four bits of
 * the word say what the event is; the low 60 bits carry a code address
 * (user-space addresses on x86-64 fit in 57 bits).  A call stores the
 * address the hook saw, which may be the function's first byte
 * (-finstrument-functions) or a few bytes into it (fentry); a return stores
 * an address inside the returning function.  Decoders map both to the
 * enclosing symbol.
 */
#ifndef CTR_H
#define CTR_H

#include <stdint.h>

#define CTR_MAGIC "CTRAIL\0\n"
#define CTR_MAGIC_SIZE 8
#define CTR_VERSION 1

struct ctr_file_header {
	char magic[CTR_MAGIC_SIZE];
	uint32_t version;
	uint32_t header_size;
};

struct ctr_chunk_header {
	uint32_t tag;
	uint32_t reserved;
	uint64_t size;
};

enum ctr_chunk_tag {
	CTR_CHUNK_SNAPSHOT = 1, /* struct ctr_snapshot + name */
	CTR_CHUNK_PROCESS = 2,  /* struct ctr_process + exe + cmdline */
	CTR_CHUNK_CLOCK = 3,    /* struct ctr_clock */
	CTR_CHUNK_MODULE = 4,   /* struct ctr_module + segments + build id + path */
	CTR_CHUNK_THREAD = 5,   /* struct ctr_thread + events */
	CTR_CHUNK_SCHED = 6,    /* struct ctr_sched + kernel scheduling events */
	CTR_CHUNK_COUNTS = 7,   /* struct ctr_counts + records (libctrail-count) */
	CTR_CHUNK_SYSINFO = 8,  /* struct ctr_sysinfo: the recording kernel */
	CTR_CHUNK_STACK = 9,    /* struct ctr_stack + stack bytes */
	CTR_CHUNK_PACKED = 11,  /* struct ctr_packed + build id + path + file (ctrail pack) */
	/* 12 is kept for the pack too */
	CTR_CHUNK_PROBES = 13,  /* struct ctr_probes + uprobe events */
	CTR_CHUNK_END = 0x454e44, /* "END": struct ctr_end */
};

/* Why a snapshot was taken. */
enum ctr_reason {
	CTR_REASON_API = 0,    /* ctrail_snapshot_take() from the program */
	CTR_REASON_SIGNAL = 1, /* SIGTRAP */
	CTR_REASON_EXIT = 2,   /* CTRAIL_WRITE_AT_EXIT=1 */
	CTR_REASON_CORE = 3,   /* read out of a core dump (ctrail core, ctrail-gdb.py) */
	CTR_REASON_FLOW = 4,   /* a kept slow occurrence of a flow (ctrail_flow_end) */
	CTR_REASON_ATTACH = 5, /* made by `ctrail attach` from uprobes (no THREAD events) */
};

/* SNAPSHOT payload: this header, then name_size bytes of name (no NUL).
 * since_tsc is the lower time bound the program asked for (0: everything);
 * events older than it were left out on purpose and are not "lost".
 * dropped_* count exited threads whose rings were freed before this
 * snapshot because too many exited threads were waiting (CTRAIL_MAX_EXITED).
 * A kept flow occurrence (reason FLOW) is named after its flow, lasted
 * duration_tsc ticks from since_tsc, and ranks `rank` among the slowest
 * kept (1: the slowest); other snapshots have both zero. */
struct ctr_snapshot {
	uint64_t since_tsc;
	uint64_t taken_tsc;
	uint32_t reason;
	uint32_t name_size;
	uint32_t dropped_threads;
	uint32_t rank;
	uint64_t dropped_events;
	uint64_t duration_tsc;
};

/* PROCESS payload: this header, exe_size bytes of the executable's path,
 * then cmdline_size bytes of the command line (arguments separated by NUL). */
struct ctr_process {
	uint32_t pid;
	uint32_t ppid;
	uint32_t exe_size;
	uint32_t cmdline_size;
};

/* SYSINFO payload: uname(2) of the kernel the snapshot was taken on, each
 * field NUL padded (at most one per snapshot; absent from older files and
 * from `ctrail core`'s, whose core holds no such thing).  Viewers need the
 * kernel's version to read its scheduling states (prev_state bits moved
 * between versions). */
struct ctr_sysinfo {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char reserved[3]; /* zero: the payload is 328 bytes */
};

/* Where tsc_hz came from, best first. */
enum ctr_clock_source {
	CTR_CLOCK_CPUID = 0,      /* CPUID leaf 0x15 */
	CTR_CLOCK_HYPERVISOR = 1, /* CPUID leaf 0x40000010 */
	CTR_CLOCK_KERNEL = 2,     /* the kernel log's "tsc: ... MHz" line */
	CTR_CLOCK_MEASURED = 3,   /* measured against CLOCK_MONOTONIC_RAW */
};

/* One moment seen on three clocks, read back to back. */
struct ctr_clock_pair {
	uint64_t tsc;
	uint64_t monotonic_ns;
	uint64_t realtime_ns;
};

/* CLOCK payload.  start is read when the runtime starts, now when the
 * snapshot is taken; a decoder may measure the TSC rate from the two. */
struct ctr_clock {
	uint64_t tsc_hz;
	uint32_t source;
	uint32_t reserved;
	struct ctr_clock_pair start;
	struct ctr_clock_pair now;
};

/* MODULE payload: this header, nsegments struct ctr_segment, build_id_size
 * bytes of GNU build id, then path_size bytes of path (no NUL).  bias is
 * what the loader added to the file's virtual addresses (dlpi_addr). */
struct ctr_module {
	uint64_t bias;
	uint32_t nsegments;
	uint32_t build_id_size;
	uint32_t path_size;
	uint32_t flags; /* CTR_MODULE_* */
};

enum ctr_module_flags {
	CTR_MODULE_MAIN = 1,    /* the executable */
	CTR_MODULE_DLOPEN = 2,  /* loaded by dlopen after start */
	CTR_MODULE_UNLOADED = 4, /* dlclose'd before the snapshot */
	/* bits 8-11: the instrumentation mode ctrail-cc compiled the module
	 * in (enum ctr_mode), from the "ctrail" note it links in; 0 when the
	 * module has none (not linked by ctrail-cc, or by an older one) */
	CTR_MODULE_MODE_MASK = 0xf00,
};
#define CTR_MODULE_MODE_SHIFT 8
#define CTR_MODULE_MODE(flags) (((flags) & CTR_MODULE_MODE_MASK) >> CTR_MODULE_MODE_SHIFT)

/* Instrumentation modes (ctrail-cc --ctrail-mode), as module flags hold
 * them: what a count or an exclusion list is only valid for. */
enum ctr_mode {
	CTR_MODE_UNKNOWN = 0,
	CTR_MODE_FINSTR = 1,         /* -finstrument-functions */
	CTR_MODE_AFTER_INLINING = 2, /* -finstrument-functions-after-inlining */
	CTR_MODE_FENTRY = 3,         /* -pg -mfentry -minstrument-return=call */
	CTR_MODE_XRAY = 4,           /* -fxray-instrument */
};
/* Their names, as ctrail-cc spells them, indexed by enum ctr_mode. */
#define CTR_MODE_NAMES { "unknown", "finstr", "after-inlining", "fentry", "xray" }

/* A PT_LOAD segment as mapped: [start, end) in memory. */
struct ctr_segment {
	uint64_t start;
	uint64_t end;
	uint64_t file_offset;
	uint32_t prot; /* PF_R | PF_W | PF_X as in the program header */
	uint32_t reserved;
};

/* THREAD payload: this header, then nevents struct ctr_event, oldest first.
 * written counts every event the thread ever put in its ring; overwritten
 * counts those the ring wrapped over (written - capacity, or 0); nevents
 * can be less than the difference by the events a live thread was still
 * writing (slots reserved, not yet stored). */
struct ctr_thread {
	uint32_t tid;
	uint32_t flags; /* CTR_THREAD_* */
	char name[16];  /* pthread_getname_np, NUL padded */
	uint64_t capacity;
	uint64_t written;
	uint64_t overwritten;
	uint64_t nevents;
};

enum ctr_thread_flags {
	CTR_THREAD_EXITED = 1, /* the thread had exited before the snapshot */
	CTR_THREAD_MAIN = 2,   /* tid == pid */
	CTR_THREAD_CRASHED = 4, /* dumped the core (reason CORE; listed last) */
};

struct ctr_event {
	uint64_t word; /* kind << CTR_KIND_SHIFT | address */
	uint64_t tsc;
};

#define CTR_KIND_SHIFT 60
#define CTR_ADDR_MASK ((UINT64_C(1) << CTR_KIND_SHIFT) - 1)

enum ctr_kind {
	CTR_KIND_CALL = 0x0,    /* a function was entered */
	CTR_KIND_CATCH = 0x1,   /* an exception was caught in the function
				   holding the address (__cxa_begin_catch) */
	CTR_KIND_LONGJMP = 0x2, /* longjmp to the address (the setjmp site) */
	/* Custom events (CTRAIL_LOG and friends).  The address is a string in
	 * the program's read-only data: a printf format or a name.  Their
	 * payload follows in continuation slots (below). */
	CTR_KIND_LOG = 0x3,        /* format; one slot per raw argument */
	CTR_KIND_COUNTER = 0x4,    /* name; one slot: the int64 value */
	CTR_KIND_INSTANT = 0x5,    /* name; no slot */
	CTR_KIND_FLOW_BEGIN = 0x6, /* name; one slot: the flow id */
	CTR_KIND_FLOW_END = 0x7,   /* name; one slot: the flow id */
	CTR_KIND_RETURN = 0x8,  /* a function returned; bit 63 alone */
	/* Signal handlers (runtime/signals.c wraps the program's handlers):
	 * the address field holds the signal number.  Every event between an
	 * ENTER and its LEAVE ran in the handler; handlers nest.  A handler
	 * left by siglongjmp has no LEAVE: the LONGJMP event ends it. */
	CTR_KIND_SIGNAL_ENTER = 0x9,
	CTR_KIND_SIGNAL_LEAVE = 0xA,
	/* The thread switched stacks (ucontext or ctrail_fiber_switch).  Laid
	 * out as a custom event (below): the address is the new context's
	 * name, slot 0 its 64-bit id (0: the thread's own stack).  With one
	 * slot (the fiber API) the name is a string in the program's data,
	 * or 0; with two (swapcontext, setcontext, a makecontext function
	 * returning) it is a code address, the function the context was made
	 * to run (0 when unknown), and slot 1 is the id the stack being left
	 * was saved under (swapcontext's first argument; 0: not saved). */
	CTR_KIND_SWITCH = 0xB,
};

#define CTR_EVENT_WORD(kind, addr) \
	(((uint64_t)(kind) << CTR_KIND_SHIFT) | ((uint64_t)(addr) & CTR_ADDR_MASK))
#define CTR_EVENT_KIND(word) ((unsigned)((word) >> CTR_KIND_SHIFT))
#define CTR_EVENT_ADDR(word) ((word) & CTR_ADDR_MASK)

/* Custom events carry the number of continuation slots that follow them in
 * bits 56-59 of the word (their string addresses fit in 56 bits).  A
 * continuation slot holds one raw 64-bit payload word and, as its tsc, the
 * tsc of the event it belongs to with bit 63 set.  A snapshot may begin in
 * the middle of an event's slots (the ring wrapped over its head): readers
 * skip continuation slots they cannot attach to an event.  Real TSC values
 * stay below 2^63 for decades. */
#define CTR_SLOTS_SHIFT 56
#define CTR_CUSTOM_ADDR_MASK ((UINT64_C(1) << CTR_SLOTS_SHIFT) - 1)
#define CTR_MAX_SLOTS 15
#define CTR_TSC_CONTINUATION (UINT64_C(1) << 63)
#define CTR_CUSTOM_WORD(kind, nslots, addr) \
	(((uint64_t)(kind) << CTR_KIND_SHIFT) | ((uint64_t)(nslots) << CTR_SLOTS_SHIFT) | \
	 ((uint64_t)(addr) & CTR_CUSTOM_ADDR_MASK))
#define CTR_CUSTOM_SLOTS(word) ((unsigned)((word) >> CTR_SLOTS_SHIFT) & 0xf)
#define CTR_KIND_IS_CUSTOM(kind) ((kind) >= CTR_KIND_LOG && (kind) <= CTR_KIND_FLOW_END)
/* Kinds whose events may be followed by continuation slots. */
#define CTR_KIND_HAS_SLOTS(kind) (CTR_KIND_IS_CUSTOM(kind) || (kind) == CTR_KIND_SWITCH)
/* The time of any slot: a continuation slot's is its event's. */
#define CTR_SLOT_TSC(tsc) ((tsc) & ~CTR_TSC_CONTINUATION)
#define CTR_CUSTOM_ADDR(word) ((word) & CTR_CUSTOM_ADDR_MASK)

/* COUNTS payload (libctrail-count): this header, then nrecords struct
 * ctr_count sorted by address, one per function whose entry hook ran.  The
 * runtime keeps one counter per slot_bytes of code; a record's address is
 * the first byte of its counter's slot, which lies inside the function
 * (decoders map it to the enclosing symbol).  Counting is exact: every
 * entry hook call is in one record, or in `missed` when its address was
 * in no executable segment the runtime knew of (code made at run time).
 * A snapshot of counts has no THREAD chunks. */
struct ctr_counts {
	uint64_t nrecords;
	uint64_t missed;
	uint32_t slot_bytes; /* code bytes per counter (4): the address resolution */
	uint32_t tables;     /* counter tables summed into the records (per-CPU build: > 1) */
};

struct ctr_count {
	uint64_t address;
	uint64_t calls;
};

/* SCHED payload: this header, then nevents struct ctr_sched_event sorted by
 * tsc (ties keep the kernel's order per CPU).  The kernel's scheduling
 * events for the process and its children, read from an ftrace instance
 * whose trace_clock is x86-tsc, so tsc is on the same clock as the
 * function events.  At most one per snapshot; absent when scheduling
 * events were not collected.  lost counts events the kernel or the
 * runtime's bounded ring dropped since collection started (not those left
 * out on purpose by since_tsc). */
struct ctr_sched {
	uint64_t nevents;
	uint64_t lost;
	uint32_t ncpus; /* CPUs whose buffers were read */
	uint32_t reserved;
};

/* One scheduling event, 72 bytes.  Field use per type:
 *   type         pid        prio       next_*           state          comm / next_comm
 *   SWITCH       prev_pid   prev_prio  next pid, prio   prev_state     prev / next comm
 *   WAKING       woken task its prio   -                target_cpu     woken's comm / -
 *   WAKEUP_NEW   new task   its prio   -                target_cpu     its comm / -
 *   PROCESS_EXIT exiting    its prio   -                -              its comm / -
 *   NEWTASK      new task   -          -                clone_flags    its comm / -
 *                                                       (low 32 bits)
 *   RENAME       renamed    -          -                -              new / old comm
 * Unused fields are zero.  common_pid is the task that was running on the
 * CPU when the event was recorded (0: idle).  prev_state uses the kernel's
 * TASK_REPORT bits: 0 running (R), 1 S, 2 D, 4 T, 8 t, 0x10 X, 0x20 Z,
 * 0x40 P, 0x80 I; 0x100 (TASK_REPORT_MAX) set means it was preempted (R+).
 * comm fields are NUL padded and may lack a NUL when 16 bytes long. */
struct ctr_sched_event {
	uint64_t tsc;
	uint16_t type; /* CTR_SCHED_* */
	uint16_t cpu;
	int32_t common_pid;
	int32_t pid;
	int32_t prio;
	int32_t next_pid;
	int32_t next_prio;
	uint32_t state;
	uint8_t irq_flags; /* the kernel's common_flags (irqs-off, need-resched...) */
	uint8_t preempt;   /* common_preempt_count */
	uint16_t reserved;
	char comm[16];
	char next_comm[16];
};

enum ctr_sched_type {
	CTR_SCHED_SWITCH = 1,
	CTR_SCHED_WAKING = 2,
	CTR_SCHED_WAKEUP_NEW = 3,
	CTR_SCHED_PROCESS_EXIT = 4,
	CTR_SCHED_NEWTASK = 5,
	CTR_SCHED_RENAME = 6,
	CTR_SCHED_TYPES /* one past the last */
};

#define CTR_SCHED_PREEMPTED 0x100 /* in state: R+ */

/* STACK payload: this header, then size bytes of the thread's stack from
 * address `start` up (start is the stack pointer when it was taken).  A
 * live thread's registers and the top of its stack, taken when the
 * snapshot was, so a decoder can unwind the calls that were open before
 * its ring's first event (with the CFI of the modules' files).  tid names
 * the THREAD chunk it belongs to (a live thread's; exited threads have
 * none).  written is the thread's THREAD.written at the moment the
 * registers were taken: the events before it happened before, the others
 * after (a live thread goes on running while its ring is copied).  regs
 * are the x86-64 DWARF registers 0-16: rax rdx rcx rbx rsi rdi rbp rsp
 * r8-r15 and the instruction pointer (the return address column).  A
 * thread that did not answer in time has flag MISSING, zero regs and no
 * bytes. */
#define CTR_STACK_REGS 17

struct ctr_stack {
	uint32_t tid;
	uint32_t flags; /* CTR_STACK_* */
	uint64_t written;
	uint64_t tsc;   /* when the registers were taken */
	uint64_t regs[CTR_STACK_REGS];
	uint64_t start; /* address of the first byte that follows */
	uint64_t size;
};

enum ctr_stack_flags {
	CTR_STACK_SELF = 1,    /* taken by the snapshotting thread itself, inside
				  the runtime: frames up to the outermost ctrail_*
				  function are the runtime's own */
	CTR_STACK_MISSING = 2, /* no answer in time (signal blocked, exiting) */
	CTR_STACK_CUT = 4,     /* the stack goes on above the bytes kept */
};

/* PROBES payload: this header, then nevents struct ctr_probe_event sorted
 * by tsc.  Entries and returns of functions probed with uprobes and
 * uretprobes (CTRAIL_PROBES, `ctrail attach --probe`), recorded by the
 * kernel in the same ftrace instance and on the same clock (x86-tsc) as
 * the SCHED events, for the threads of the process and its children.
 * word is a CTR_KIND_CALL or CTR_KIND_RETURN event word (ctr_event) whose
 * address is the function's first byte in the process; decoders merge
 * the events into the stream of thread tid by tsc, so a probed function
 * nests inside the traced one that called it.  At most one per snapshot.
 * lost counts probe events the kernel dropped (its buffer was full) or
 * the runtime's bounded ring overwrote; nprobes is how many functions
 * were probed. */
struct ctr_probes {
	uint64_t nevents;
	uint64_t lost;
	uint32_t nprobes;
	uint32_t reserved;
};

struct ctr_probe_event {
	uint64_t tsc;
	uint64_t word; /* CTR_EVENT_WORD(CTR_KIND_CALL or _RETURN, function) */
	uint32_t tid;
	uint32_t cpu;
};

/* PACKED payload (written by `ctrail pack`, file-wide, after the last
 * snapshot's chunks): this header, build_id_size bytes of build id,
 * path_size bytes of the module's path as recorded (no NUL), then
 * data_size bytes: an ELF file of elf_size bytes holding the sections the
 * decoder reads (symbol tables, DWARF, read-only data; the others as
 * NOBITS), compressed as `compression` says. */
struct ctr_packed {
	uint64_t elf_size;
	uint64_t data_size;
	uint32_t build_id_size;
	uint32_t path_size;
	uint32_t compression; /* CTR_PACKED_* */
	uint32_t reserved;
};

enum ctr_packed_compression {
	CTR_PACKED_ZLIB = 1, /* one zlib stream (RFC 1950) */
};

/* END payload: how many chunks came before it, so a reader can tell a
 * whole file from one cut at a chunk boundary. */
struct ctr_end {
	uint64_t chunks;
};

#endif
