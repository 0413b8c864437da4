# make demo: builds examples/demo.cpp with the ctrail-c++ wrapper into
# build/demo/, runs it with a snapshot written at exit, and converts the
# snapshot for a trace viewer when the ctrail command can.
DEMO := $(B)/demo

$(DEMO)/demo: examples/demo.cpp $(WRAPPERS) $(B)/lib/libctrail.so $(B)/include/ctrail.h
	@mkdir -p $(dir $@)
	$(B)/bin/ctrail-c++ -O2 -std=c++17 $< -o $@

demo: all $(DEMO)/demo
	@rm -f $(DEMO)/demo.ctr $(DEMO)/demo.json
	CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT=$(abspath $(DEMO)/demo.ctr) $(DEMO)/demo
	@if $(B)/bin/ctrail convert --help >/dev/null 2>&1; then \
		echo "$(B)/bin/ctrail convert $(DEMO)/demo.ctr -o $(DEMO)/demo.json"; \
		$(B)/bin/ctrail convert $(DEMO)/demo.ctr -o $(DEMO)/demo.json || exit 1; \
	fi
	@echo
	@echo "ctrail demo:"
	@echo "  program:  $(abspath $(DEMO)/demo) (source: examples/demo.cpp)"
	@echo "  snapshot: $(abspath $(DEMO)/demo.ctr)"
	@if [ -f $(DEMO)/demo.json ]; then \
		echo "  trace:    $(abspath $(DEMO)/demo.json)"; \
		echo "Open the trace in https://ui.perfetto.dev (Open trace file) or in chrome://tracing."; \
	else \
		echo "  (this ctrail has no convert command yet; see the raw events with:"; \
		echo "   $(B)/bin/ctrail dump $(DEMO)/demo.ctr)"; \
	fi
