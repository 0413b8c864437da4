/* mode_note.S - the note ctrail-cc links into every object it links (an
 * executable or a shared library) to say which instrumentation mode its
 * code was compiled in: built once per mode as lib/ctrail-mode-MODE.o
 * with MODE_NAME defined (runtime/build.mk).  The note (owner "ctrail",
 * type 1, the mode's name as its NUL-ended descriptor) lies in an
 * allocated SHT_NOTE section, so the linker puts it in a PT_NOTE segment
 * where modules.c finds it at run time, beside the GNU build id, and
 * flags the module with the mode (format/ctr.h CTR_MODULE_MODE). */
	.section .note.ctrail, "a", @note
	.balign 4
	.long 7               /* namesz: "ctrail" and its NUL */
	.long 2f - 1f         /* descsz */
	.long 1               /* type: instrumentation mode */
	.asciz "ctrail"
	.balign 4
1:	.asciz MODE_NAME
2:	.balign 4
	.section .note.GNU-stack, "", @progbits
