# The ctrail command, one folder per station of the pipeline:
#   read/      the .ctr reader, core dumps, symbols (elfutils), clock, log formats
#   timeline/  call nesting and repairs, stack trees, per-function summaries
#   emit/      one emitter per output format, the flame graph SVG, output buffer
#   cmd/       the command line: one file per subcommand, and main
# DECODER_CORE_OBJS is everything but main, so unit tests, the fuzz target
# and benchmarks can link the decoder's pieces.  A new emitter or command
# needs no edit here.
DECODER_DIRS := decoder/read decoder/timeline decoder/emit decoder/cmd
DECODER_CORE_SRCS := $(filter-out decoder/cmd/main.c,$(foreach d,$(DECODER_DIRS),$(wildcard $(d)/*.c)))
DECODER_CORE_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(DECODER_CORE_SRCS)) \
	$(B)/obj/format/ctr_write.o $(B)/obj/format/out_file.o $(B)/obj/runtime/uprobes.o
DECODER_INCLUDES := $(addprefix -I,$(DECODER_DIRS))
DECODER_LIBS := -lelf -ldw -ldebuginfod -lz -lcurl -lstdc++ -ldl
# runtime/uprobes.c is shared with the runtime (`ctrail attach` probes too).
$(B)/obj/decoder/cmd/cmd_attach.o: ALL_CFLAGS += -Iruntime

all: $(B)/bin/ctrail

# The decoder, its tests and benchmarks include its headers by name.
$(B)/obj/decoder/%.o $(B)/obj/tests/%.o $(B)/obj/bench/%.o: ALL_CFLAGS += $(DECODER_INCLUDES)

$(B)/bin/ctrail: $(B)/obj/decoder/cmd/main.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

# Benchmarks of the decoder: build/bench/decode (make bench-decode runs it).
DECODER_BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/decode*.c))
all: $(DECODER_BENCHES)

$(DECODER_BENCHES): $(B)/bench/%: $(B)/obj/bench/%.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

.PHONY: bench-decode
bench-decode: $(DECODER_BENCHES)
	@for b in $(DECODER_BENCHES); do $$b; done
