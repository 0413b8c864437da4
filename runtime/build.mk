# libctrail: the tracing runtime, as a shared and a static library.  Built
# position-independent, never instrumented, with only the symbols in
# libctrail.map exported from the shared one.
RUNTIME_SRCS := $(wildcard runtime/*.c) format/ctr_write.c
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

$(B)/include/ctrail.h: include/ctrail.h
	@mkdir -p $(dir $@)
	cp $< $@
