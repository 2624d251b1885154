; cpuid-dump - a multiboot guest (tests/guest framework) that prints the
; CPUID words the -cpu model controls, as "# LEAF.REG 0x........" lines on
; COM1, for tests/boot/cpu-model.sh to compare with what the model promises.
%include "lib/pm.inc"

; DUMP leaf, reg...: runs CPUID (sub-leaf 0) and prints each named register.
%macro DUMP 2-*
    mov eax, %1
    xor ecx, ecx
    cpuid
    %defstr DUMP_LEAF %1
    %rep %0 - 1
        %rotate 1
        %strcat DUMP_LABEL DUMP_LEAF, ".", %str(%1)
        PRINTHEX DUMP_LABEL, %1
    %endrep
%endmacro

TEST_BEGIN "cpuid-dump"
test_main:
    xor eax, eax
    cpuid
    cmp eax, 7
    CHECK ae, "CPUID reaches leaf 7"
    DUMP 0, ebx
    DUMP 1, eax, ecx, edx
    DUMP 7, ebx, ecx, edx
    DUMP 80000001h, ecx, edx
    FINISH
TEST_END
