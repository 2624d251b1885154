; smp-work - CPU-bound work on every CPU, for timing SMP scheduling: the BSP
; starts the APs (INIT, SIPI), gives them 50 ms to check in, then every CPU
; runs the same WORK-iteration ALU loop; the BSP waits for all and exits.
; The wall time with -smp 2 against -smp 1 shows what running the vCPUs in
; parallel gains (tests/bench/smp.sh).  nasm -DWORK=N sets the loop count.
%include "lib/pm.inc"

APIC        equ 0xfee00000
%ifndef WORK
%define WORK 100000000
%endif
TRAMP       equ 0x8000              ; SIPI vector 08h
SIPI_VEC    equ TRAMP >> 12
ICR_LO      equ APIC + 0x300
ICR_HI      equ APIC + 0x310

TEST_BEGIN "smp-work"
test_main:
    mov dword [APIC + 0xf0], 0x1ff
    mov esi, tramp_start
    mov edi, TRAMP
    mov ecx, tramp_end - tramp_start
    cld
    rep movsb
    sgdt [TRAMP + (tramp_gdtr - tramp_start)]
    mov dword [ICR_HI], 0
    mov dword [ICR_LO], 0x000c4500
    mov eax, 10000000
    call delay_ns
    mov dword [ICR_LO], 0x000c4600 | SIPI_VEC
    mov eax, 50000000
    call delay_ns
    mov dword [go], 1               ; APs start working now
    call work
    lock inc dword [done]
    mov ebx, [ap_count]
    inc ebx
.wait:
    pause
    cmp [done], ebx
    jb .wait
    PRINTHEX "cpus", ebx
    CHECK e, "done"
    FINISH

work:
    mov ecx, WORK
    xor eax, eax
.l: add eax, ecx
    imul eax, eax, 3
    xor eax, 0x5a5a
    dec ecx
    jnz .l
    ret

delay_ns:
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x10000
    mov [APIC + 0x380], eax
.spin:
    pause
    cmp dword [APIC + 0x390], 0
    jne .spin
    ret

    BITS 16
tramp_start:
    cli
    mov ax, cs
    mov ds, ax
    o32 lgdt [tramp_gdtr - tramp_start]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword KCODE_SEL:ap_entry32
    align 4
    dw 0
tramp_gdtr:
    dw 0
    dd 0
tramp_end:
    BITS 32
ap_entry32:
    mov ax, KDATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, SCRATCH + 0x100000      ; (the APs only call work)
    lock inc dword [ap_count]
.w: pause
    cmp dword [go], 0
    je .w
    call work
    lock inc dword [done]
.idle:
    cli
    hlt
    jmp .idle
    align 4
ap_count: dd 0
go: dd 0
done: dd 0
TEST_END
