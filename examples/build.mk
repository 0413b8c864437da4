# make demo: builds examples/demo.cpp with the ctrail-c++ wrapper into
# build/demo/, runs it with a snapshot written at exit, and converts the
# snapshot for a trace viewer.  Then the tail-latency demo: slowpath.c keeps
# its 3 slowest events and one typical one, the decoder shows both, and
# diff --slowest names what made the slowest slow.
DEMO := $(B)/demo

$(DEMO)/demo: examples/demo.cpp $(WRAPPERS) $(B)/lib/libctrail.so $(B)/include/ctrail.h
	@mkdir -p $(dir $@)
	$(B)/bin/ctrail-c++ -O2 -std=c++17 $< -o $@

$(DEMO)/slowpath: examples/slowpath.c $(WRAPPERS) $(B)/lib/libctrail.so $(B)/include/ctrail.h
	@mkdir -p $(dir $@)
	$(B)/bin/ctrail-cc -O2 $< -o $@

demo: all $(DEMO)/demo $(DEMO)/slowpath
	@rm -f $(DEMO)/demo.ctr $(DEMO)/demo.json $(DEMO)/slowest*.json
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
	@echo
	@echo "ctrail tail-latency demo (examples/slowpath.c; README: The tail-latency workflow):"
	CTRAIL_OUTPUT=$(abspath $(DEMO)/slowest.ctr) $(DEMO)/slowpath $(abspath $(DEMO)/typical.ctr)
	$(B)/bin/ctrail convert $(DEMO)/slowest.ctr -o $(DEMO)/slowest.json
	$(B)/bin/ctrail replay --min 100us --snapshot 0 $(DEMO)/slowest.ctr
	$(B)/bin/ctrail report --top 4 --snapshot 0 $(DEMO)/slowest.ctr
	$(B)/bin/ctrail report --top 4 $(DEMO)/typical.ctr
	$(B)/bin/ctrail diff --slowest --top 4 $(DEMO)/slowest.ctr -o $(DEMO)/slowest-diff.svg
	@echo "  the 3 slowest events: $(abspath $(DEMO))/slowest.{0,1,2}.json (open in https://ui.perfetto.dev)"
	@echo "  a typical event:      $(abspath $(DEMO)/typical.ctr)"
	@echo "  the slowest against the median of the others: $(abspath $(DEMO)/slowest-diff.svg)"
