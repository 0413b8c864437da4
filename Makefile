# ctrail build.  Each directory adds its own targets in its build.mk; this
# file holds what they share.  Everything lands under build/, laid out like
# an install tree (bin/, lib/, include/) so the wrappers find the runtime the
# same way in both.

PREFIX ?= /usr/local
B := build
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) -Iinclude -Iformat
DEPS_STAMP := $(B)/.deps-ok

.PHONY: all deps check demo install clean
# keep objects that only feed a link, so a second make does nothing
.SECONDARY:
all:

# Installs missing Debian packages (as root) once per build tree.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/install-deps.sh
	@mkdir -p $(B)
	@sh tools/install-deps.sh
	@touch $@

include runtime/build.mk
include decoder/build.mk
include tools/build.mk
include tests/build.mk
include bench/build.mk
include examples/build.mk

$(B)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/ctrail
	cp -P $(B)/bin/* $(DESTDIR)$(PREFIX)/bin/
	cp -P $(B)/lib/lib* $(B)/lib/ctrail-mode-*.o $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/ctrail.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(B)/share/ctrail/ctrail-gdb.py $(DESTDIR)$(PREFIX)/share/ctrail/
	sed 's|@PREFIX@|$(PREFIX)|' tools/ctrail.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ctrail.pc

clean:
	rm -rf $(B)

# Lua and SQLite from their Debian sources, built in every mode, timed and
# checked; not part of check (about 15 minutes).  See docs/realworld.md.
.PHONY: realworld
realworld: all
	sh bench/realworld.sh
