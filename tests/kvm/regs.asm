; regs - a multiboot guest for the nested KVM test's `info registers`
; check (tests/kvm/init): it puts known values in the general registers,
; CR2, CR4, the GDT and IDT limits it was given and DR0, says REGS-READY on
; COM1 and halts with interrupts off.  The monitor must then show exactly
; these values: the vCPU's state as KVM holds it, not Yinglong's reset state.
%include "lib/pm.inc"

TEST_BEGIN "regs"
test_main:
    PRINT {"REGS-READY", 10}
    mov eax, 0xcafe0000
    mov cr2, eax
    mov eax, cr4
    or eax, 0x600                   ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov eax, 0x12345678
    mov dr0, eax
    cli
    mov eax, 0x0a1a2a3a
    mov ebx, 0x0b1b2b3b
    mov ecx, 0x0c1c2c3c
    mov edx, 0x0d1d2d3d
    mov esi, 0x05152535
    mov edi, 0x0e1e2e3e
    mov ebp, 0x0f1f2f3f
parked:
    hlt
    jmp parked
TEST_END
