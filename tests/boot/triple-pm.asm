; triple-pm - a multiboot guest (tests/guest framework) for
; tests/boot/reset.sh: in 32-bit protected mode it loads an empty IDT
; (limit 0) and executes INT3.  The #BP, then the #GP for its vector and the
; #DF cannot be delivered: the CPU shuts down, and with -no-reboot the
; emulator must exit with status 0.  Still running afterwards prints
; "not ok" and exits with the failure code (status 35).
%include "lib/pm.inc"

TEST_BEGIN "triple-pm"
test_main:
    sidt [saved_idt]
    movzx eax, word [saved_idt]
    CHECK nz, "the library's IDT was loaded (non-empty) before"
    PRINT {"# triple fault: empty IDT, then INT3", 10}
    lidt [null_idt]
    int3
    lidt [saved_idt]
    PRINT {"not ok - still running after the triple fault", 10}
    EXIT EXIT_FAIL

    align 4
null_idt:   dw 0
            dd 0
saved_idt:  dw 0
            dd 0
TEST_END
