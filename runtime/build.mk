# libctrail: the tracing runtime, as a shared and a static library.  Built
# position-independent, never instrumented, with only the symbols in
# libctrail.map exported from the shared one.
RUNTIME_SRCS := $(filter-out runtime/xray.c,$(wildcard runtime/*.c)) format/ctr_write.c \
	format/out_file.c
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(B)/obj/pic/%.o) $(B)/obj/pic/runtime/hooks_x86_64.o
RUNTIME_CFLAGS = $(ALL_CFLAGS) -fPIC -fno-instrument-functions -Iruntime

all: $(B)/lib/libctrail.so $(B)/lib/libctrail.a $(B)/include/ctrail.h

$(B)/obj/pic/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(RUNTIME_CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/pic/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(RUNTIME_CFLAGS) -MMD -MP -c $< -o $@

$(B)/lib/libctrail.so: $(RUNTIME_OBJS) runtime/libctrail.map
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $(RUNTIME_OBJS) -Wl,--version-script=runtime/libctrail.map \
		-Wl,-soname,libctrail.so -ldl -pthread

$(B)/lib/libctrail.a: $(RUNTIME_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# libctrail-xray: XRay mode's handler, linked whole into executables by
# ctrail-cc (runtime/xray.c says why it cannot live in libctrail.so).
all: $(B)/lib/libctrail-xray.a

$(B)/lib/libctrail-xray.a: $(B)/obj/pic/runtime/xray.o
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The mode notes ctrail-cc links into what it links (runtime/mode_note.S).
CTRAIL_MODES := finstr after-inlining fentry xray
all: $(CTRAIL_MODES:%=$(B)/lib/ctrail-mode-%.o)

$(B)/lib/ctrail-mode-%.o: runtime/mode_note.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -DMODE_NAME='"$*"' -c $< -o $@

$(B)/include/ctrail.h: include/ctrail.h
	@mkdir -p $(dir $@)
	cp $< $@

# libctrail-count: the call counter (runtime/count/), with the module map,
# clock, settings and .ctr writing of libctrail.  COUNT_TABLES=N (a power
# of two) keeps N copies of the counters indexed by CPU; the objects of
# runtime/count/ go to obj/count-N/, so changing N rebuilds them.
COUNT_TABLES ?= 1
COUNT_SHARED_OBJS := $(patsubst %.c,$(B)/obj/pic/%.o,runtime/modules.c \
	runtime/clock.c runtime/config.c runtime/ctrfile.c runtime/sigtrap.c runtime/record.c \
	format/ctr_write.c format/out_file.c)
# count_objs(N): the objects of a counter with N tables.
count_objs = $(patsubst runtime/count/%,$(B)/obj/count-$1/%.o,$(basename \
	$(wildcard runtime/count/*.c runtime/count/*.S))) $(COUNT_SHARED_OBJS)
COUNT_OBJS := $(call count_objs,$(COUNT_TABLES))
# Holds the N the libraries were last linked with: rewritten when N
# changes, so going back to an N whose objects exist still relinks.
COUNT_STAMP := $(B)/obj/count-tables
$(shell mkdir -p $(B)/obj && [ "$$(cat $(COUNT_STAMP) 2>/dev/null)" = "$(COUNT_TABLES)" ] || \
	echo "$(COUNT_TABLES)" > $(COUNT_STAMP))

# count_rules(N): how to build obj/count-N/ (eval'ed once per N used).
define count_rules
$(B)/obj/count-$1/%.o: runtime/count/%.c | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(RUNTIME_CFLAGS) -DCOUNT_TABLES=$1 -MMD -MP -c $$< -o $$@
$(B)/obj/count-$1/%.o: runtime/count/%.S | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(RUNTIME_CFLAGS) -DCOUNT_TABLES=$1 -MMD -MP -c $$< -o $$@
endef
$(eval $(call count_rules,$(COUNT_TABLES)))

all: $(B)/lib/libctrail-count.so $(B)/lib/libctrail-count.a

$(B)/lib/libctrail-count.so: $(COUNT_OBJS) runtime/count/libctrail-count.map $(COUNT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $(COUNT_OBJS) -Wl,--version-script=runtime/count/libctrail-count.map \
		-Wl,-soname,libctrail-count.so -ldl -pthread

$(B)/lib/libctrail-count.a: $(COUNT_OBJS) $(COUNT_STAMP)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $(COUNT_OBJS)
