# The ctrail command.  DECODER_CORE_OBJS is everything but main, so unit
# tests and benchmarks can link the decoder's pieces.
DECODER_CORE_OBJS :=
DECODER_LIBS := -lelf -ldw -lstdc++
