# Compiler wrappers: build/bin/ctrail-cc and build/bin/ctrail-c++ (a symlink
# to it; the script picks the C++ compiler from the name it is run by).  They
# find the runtime in ../lib and the header in ../include beside themselves,
# which holds both in build/ and after make install.
WRAPPERS := $(B)/bin/ctrail-cc $(B)/bin/ctrail-c++

all: $(WRAPPERS)

$(B)/bin/ctrail-cc: tools/ctrail-cc
	@mkdir -p $(dir $@)
	cp $< $@
	chmod 755 $@

$(B)/bin/ctrail-c++: $(B)/bin/ctrail-cc
	ln -sf ctrail-cc $@

# The gdb command that reads a trace out of a core or a stopped process:
# build/share/ctrail/ctrail-gdb.py (`source` it in gdb).
all: $(B)/share/ctrail/ctrail-gdb.py

$(B)/share/ctrail/ctrail-gdb.py: tools/ctrail-gdb.py
	@mkdir -p $(dir $@)
	cp $< $@

# ctrail-asm-filter: drops hook calls from chosen functions in assembly
# (ctrail-cc --exclude-file runs it from beside itself).
all: $(B)/bin/ctrail-asm-filter

$(B)/bin/ctrail-asm-filter: tools/ctrail-asm-filter
	@mkdir -p $(dir $@)
	cp $< $@
	chmod 755 $@
