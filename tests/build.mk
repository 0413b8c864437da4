# Unit tests: each tests/unit/NAME.c is a program linked with the decoder's
# core objects.  End-to-end tests are the scripts in tests/e2e/.
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/*.c))

$(B)/tests/unit/%: $(B)/obj/tests/unit/%.o $(DECODER_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DECODER_LIBS)

check: all $(UNIT_BINS)
	@sh tests/run.sh

# Synthetic .ctr files with chosen times (tests/progs/synth_ctr.c), for
# tests/e2e/views.sh and bench/scope.sh; a plain program, not traced.
$(B)/tests/synth_ctr: $(B)/obj/tests/progs/synth_ctr.o $(B)/obj/format/ctr_write.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^
all: $(B)/tests/synth_ctr
