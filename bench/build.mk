# Benchmarks: `make bench` builds and runs them; they print figures and
# assert nothing.  overhead.c links five copies of overhead_callee.c, one
# per instrumentation mode plus a plain one.
BENCH_CALLEE := $(B)/obj/bench/callee
OVERHEAD_OBJS := $(BENCH_CALLEE)_plain.o $(BENCH_CALLEE)_finstr.o \
	$(BENCH_CALLEE)_fentry.o $(BENCH_CALLEE)_afterinl.o

$(BENCH_CALLEE)_plain.o: bench/overhead_callee.c bench/build.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	gcc -O2 -DSUFFIX=plain -c $< -o $@
$(BENCH_CALLEE)_finstr.o: bench/overhead_callee.c bench/build.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	gcc -O2 -DSUFFIX=finstr -finstrument-functions -fno-plt -c $< -o $@
$(BENCH_CALLEE)_fentry.o: bench/overhead_callee.c bench/build.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	gcc -O2 -DSUFFIX=fentry -pg -mfentry -minstrument-return=call -c $< -o $@
$(BENCH_CALLEE)_afterinl.o: bench/overhead_callee.c bench/build.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang -O2 -DSUFFIX=afterinl -finstrument-functions-after-inlining -fno-plt -c $< -o $@

# The XRay copy is linked as ctrail-cc links XRay mode: clang's XRay
# runtime and, whole, our handler (libctrail-xray.a).
$(BENCH_CALLEE)_xray.o: bench/overhead_callee.c bench/build.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang -O2 -DSUFFIX=xray -fxray-instrument -fxray-instruction-threshold=1 -c $< -o $@

$(B)/bench/overhead: $(B)/obj/bench/overhead.o $(OVERHEAD_OBJS) $(BENCH_CALLEE)_xray.o \
		$(B)/lib/libctrail.so $(B)/lib/libctrail-xray.a
	@mkdir -p $(dir $@)
	clang -fxray-instrument -fxray-modes=none -o $@ $(B)/obj/bench/overhead.o \
		$(OVERHEAD_OBJS) $(BENCH_CALLEE)_xray.o -L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) \
		-Wl,--whole-archive -lctrail-xray -Wl,--no-whole-archive -lctrail -ldl -pthread

BENCHES += $(B)/bench/overhead


$(B)/bench/symbols: $(B)/obj/bench/symbols.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

BENCHES += $(B)/bench/symbols

# A full snapshot's time, memory and pause (bench/snapshot.c): linked with
# libctrail, the fentry loop of overhead_callee.c and the decoder's reader.
$(B)/bench/snapshot: $(B)/obj/bench/snapshot.o $(BENCH_CALLEE)_fentry.o \
		$(DECODER_CORE_OBJS) $(B)/lib/libctrail.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(B)/obj/bench/snapshot.o $(BENCH_CALLEE)_fentry.o $(DECODER_CORE_OBJS) \
		-L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lctrail $(DECODER_LIBS) -ldl -pthread

BENCHES += $(B)/bench/snapshot

# The decoder's benchmarks (decoder/build.mk) run too.  BENCHES grows
# below and in files included later: the prerequisites are expanded a
# second time, once every makefile is read, so each one is built.  `all`
# first: script benchmarks (bench/ingest.sh) use the wrappers and ctrail.
BENCHES += $(DECODER_BENCHES)
.SECONDEXPANSION:
.PHONY: bench
bench: all $$(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

# The call counter (bench/count.c): `count` with libctrail-count as built
# (COUNT_TABLES), `count-percpu` linked with per-CPU tables.
COUNT_BENCH_TABLES := 8
$(if $(filter $(COUNT_BENCH_TABLES),$(COUNT_TABLES)),,$(eval $(call count_rules,$(COUNT_BENCH_TABLES))))

$(B)/bench/count: $(B)/obj/bench/count.o $(OVERHEAD_OBJS) $(B)/lib/libctrail-count.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(B)/obj/bench/count.o $(OVERHEAD_OBJS) \
		-L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lctrail-count -ldl -pthread

$(B)/bench/count-percpu: $(B)/obj/bench/count.o $(OVERHEAD_OBJS) \
		$(call count_objs,$(COUNT_BENCH_TABLES))
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -ldl -pthread

BENCHES += $(B)/bench/count $(B)/bench/count-percpu

# Scheduling events (bench/sched.c): the reader thread's CPU per event.
$(B)/bench/sched: $(B)/obj/bench/sched.o $(B)/lib/libctrail.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(B)/obj/bench/sched.o \
		-L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lctrail -ldl -pthread

BENCHES += $(B)/bench/sched
# ClickHouse ingest (bench/ingest.sh): snapshot and row sizes, ingest rate.
BENCHES += bench/ingest.sh

# Stacks at snapshot time (bench/stacks.c): time per thread and bytes.
$(B)/bench/stacks: $(B)/obj/bench/stacks.o $(B)/lib/libctrail.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(B)/obj/bench/stacks.o \
		-L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lctrail -ldl -pthread

BENCHES += $(B)/bench/stacks

# ctrail scope on a 4 M event snapshot: page size, Chromium load time.
bench: $(B)/bin/ctrail $(B)/tests/synth_ctr
BENCHES += bench/scope.sh

# Uprobes (bench/probes.c): a probed call's cost, losses in a probe storm.
# Its own functions are probed by name, so it keeps its symbols (-g, no
# inlining of them), and it reads its snapshot with the decoder's reader.
$(B)/bench/probes: $(B)/obj/bench/probes.o $(B)/obj/decoder/read/reader.o $(B)/lib/libctrail.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(B)/obj/bench/probes.o $(B)/obj/decoder/read/reader.o \
		-L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lctrail -ldl -pthread

BENCHES += $(B)/bench/probes
