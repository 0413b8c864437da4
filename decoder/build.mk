# The ctrail command.  DECODER_CORE_OBJS is everything but main, so unit
# tests, the fuzz target and benchmarks can link the decoder's pieces.
# Every decoder/*.c but main.c: a new emitter or command needs no edit here.
DECODER_CORE_SRCS := $(filter-out decoder/main.c,$(wildcard decoder/*.c))
DECODER_CORE_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(DECODER_CORE_SRCS)) \
	$(B)/obj/format/ctr_write.o
DECODER_LIBS := -lelf -ldw -lstdc++

all: $(B)/bin/ctrail

$(B)/bin/ctrail: $(B)/obj/decoder/main.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

# Tests and benchmarks include the decoder's headers by name.
$(B)/obj/tests/%.o $(B)/obj/bench/%.o: ALL_CFLAGS += -Idecoder

# Benchmarks of the decoder: build/bench/decode (make bench-decode runs it).
DECODER_BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/decode*.c))
all: $(DECODER_BENCHES)

$(DECODER_BENCHES): $(B)/bench/%: $(B)/obj/bench/%.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

.PHONY: bench-decode
bench-decode: $(DECODER_BENCHES)
	@for b in $(DECODER_BENCHES); do $$b; done
