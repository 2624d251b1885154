; smp - the multiprocessor start-up and IPIs from a guest: the BSP copies a
; real-mode trampoline to 8000h and sends INIT, SIPI, SIPI to all other
; CPUs; each AP enters protected mode, records its CPUID initial APIC ID,
; its APIC ID register and its IA32_APIC_BASE BSP flag, takes a ticket
; from a shared counter with LOCK XADD and HLTs with interrupts enabled.
; The BSP then sends each AP a fixed IPI by physical ID, an NMI to all
; but itself and a lowest-priority IPI to the logical group of the APs,
; and checks that each arrived where it should, waking the HLTed APs.
; The fixed-IPI handler calls a routine the BSP then rewrites: the APs
; must run the new code (cross-modifying code, SDM 8.1.3).
; RUN-OPTS: -smp 4
%include "lib/pm.inc"

APIC        equ 0xfee00000
NAPS        equ 3                   ; -smp 4
TRAMP       equ 0x8000              ; SIPI vector 08h
SIPI_VEC    equ TRAMP >> 12
VEC_FIXED   equ 0x50
VEC_LOWPRI  equ 0x51
AP_STACKS   equ SCRATCH             ; 4 KiB per CPU, by APIC ID
ICR_LO      equ APIC + 0x300
ICR_HI      equ APIC + 0x310

TEST_BEGIN "smp"
test_main:
    mov dword [APIC + 0xf0], 0x1ff      ; BSP: APIC software-enabled
    ; a write now leaves the BSP a writable TLB entry for the page, which
    ; must stop being one once an AP translates code there
    mov dword [smc_func + 1], 0x1111
    mov eax, 1
    cpuid
    shr ebx, 24
    EXPECT ebx, 0, "BSP: CPUID initial APIC ID 0"
    mov ecx, 0x1b
    rdmsr
    and eax, 0x100
    EXPECT eax, 0x100, "BSP: IA32_APIC_BASE.BSP set"

    mov eax, VEC_FIXED
    mov ebx, ap_fixed_handler
    call gate
    mov eax, VEC_LOWPRI
    mov ebx, ap_lowpri_handler
    call gate
    mov eax, 2
    mov ebx, ap_nmi_handler
    call gate

    ; the trampoline, with this GDT and IDT for the APs
    mov esi, tramp_start
    mov edi, TRAMP
    mov ecx, tramp_end - tramp_start
    cld
    rep movsb
    sgdt [TRAMP + (tramp_gdtr - tramp_start)]

    ; INIT, 10 ms, SIPI, 200 us, SIPI (SDM 8.4.4.1)
    mov dword [ICR_HI], 0
    mov dword [ICR_LO], 0x000c4500
    mov eax, 10000000
    call delay_ns
    mov dword [ICR_LO], 0x000c4600 | SIPI_VEC
    mov eax, 200000
    call delay_ns
    mov dword [ICR_LO], 0x000c4600 | SIPI_VEC
    mov eax, ap_count
    mov ebx, NAPS
    call wait_for
    EXPECT dword [ap_count], NAPS, "every AP started and counted itself once"
    EXPECT dword [ap_ids + 0], 0, "the BSP did not run the trampoline"
    EXPECT dword [ap_ids + 4], 0x101, "AP 1: APIC ID register 1, CPUID initial ID 1"
    EXPECT dword [ap_ids + 8], 0x102, "AP 2: APIC ID register 2, CPUID initial ID 2"
    EXPECT dword [ap_ids + 12], 0x103, "AP 3: APIC ID register 3, CPUID initial ID 3"
    mov eax, [ap_bsp + 4]
    or eax, [ap_bsp + 8]
    or eax, [ap_bsp + 12]
    EXPECT eax, 0, "APs: IA32_APIC_BASE.BSP clear"
    EXPECT dword [ap_tickets], 7, "LOCK XADD gave tickets 0, 1 and 2 once each"

    ; a fixed IPI to each AP by physical destination
    mov ecx, 1
.fixed:
    mov eax, ecx
    shl eax, 24
    mov [ICR_HI], eax
    mov dword [ICR_LO], 0x00004000 | VEC_FIXED
    inc ecx
    cmp ecx, NAPS
    jbe .fixed
    mov eax, fixed_total
    mov ebx, NAPS
    call wait_for
    EXPECT dword [fixed_total], NAPS, "fixed IPIs woke the HLTed APs"
    EXPECT dword [fixed_seen + 4], 1, "AP 1 got its fixed IPI"
    EXPECT dword [fixed_seen + 8], 1, "AP 2 got its fixed IPI"
    EXPECT dword [fixed_seen + 12], 1, "AP 3 got its fixed IPI"
    mov eax, [smc_seen + 4]
    and eax, [smc_seen + 8]
    and eax, [smc_seen + 12]
    EXPECT eax, 0x1111, "the APs ran the routine as first written"

    ; rewrite the routine the APs translated, then IPI them again
    mov dword [smc_func + 1], 0x2222
    mov dword [fixed_total], 0
    mov ecx, 1
.fixed2:
    mov eax, ecx
    shl eax, 24
    mov [ICR_HI], eax
    mov dword [ICR_LO], 0x00004000 | VEC_FIXED
    inc ecx
    cmp ecx, NAPS
    jbe .fixed2
    mov eax, fixed_total
    mov ebx, NAPS
    call wait_for
    EXPECT dword [fixed_total], NAPS, "second round of fixed IPIs"
    EXPECT dword [smc_seen + 4], 0x2222, "AP 1 ran the code the BSP rewrote"
    EXPECT dword [smc_seen + 8], 0x2222, "AP 2 ran the code the BSP rewrote"
    EXPECT dword [smc_seen + 12], 0x2222, "AP 3 ran the code the BSP rewrote"

    ; NMI to all excluding self
    mov dword [ICR_HI], 0
    mov dword [ICR_LO], 0x000c4400
    mov eax, nmi_total
    mov ebx, NAPS
    call wait_for
    EXPECT dword [nmi_total], NAPS, "NMI to all but self reached every AP"

    ; lowest priority to logical group 0Eh (the APs, flat model): one AP
    mov dword [ICR_HI], 0x0e000000
    mov dword [ICR_LO], 0x00004900 | VEC_LOWPRI
    mov eax, lowpri_total
    mov ebx, 1
    call wait_for
    mov eax, 20000000                   ; time for a wrong second delivery
    call delay_ns
    EXPECT dword [lowpri_total], 1, "lowest-priority IPI taken by exactly one AP"
    EXPECT dword [bsp_irqs], 0, "the BSP took none of the IPIs"
    FINISH

; a DPL0 interrupt gate: eax = vector, ebx = handler
gate:
    push ecx
    push edx
    mov cx, KCODE_SEL
    mov dx, 0x008e
    call set_gate
    pop edx
    pop ecx
    ret

; eax = nanoseconds on the BSP's LAPIC timer (one-shot, masked, divide
; by 1: one tick per ns on Yinglong and QEMU), polled
delay_ns:
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x10000
    mov [APIC + 0x380], eax
.spin:
    pause
    cmp dword [APIC + 0x390], 0
    jne .spin
    ret

; waits until dword [eax] >= ebx, or 2 s passed
wait_for:
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x10000
    mov dword [APIC + 0x380], 2000000000
.spin:
    cmp [eax], ebx
    jae .done
    pause
    cmp dword [APIC + 0x390], 0
    jne .spin
.done:
    ret

; ---- the APs ------------------------------------------------------------------

; ecx = this CPU's APIC ID (from the APIC ID register)
%macro AP_ID 0
    mov ecx, [APIC + 0x20]
    shr ecx, 24
%endmacro

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
    AP_ID
    mov esp, ecx
    inc esp
    shl esp, 12
    add esp, AP_STACKS
    lidt [idt_ptr]
    mov eax, 1
    cpuid                               ; (clobbers ecx)
    shr ebx, 24
    AP_ID
    mov eax, ecx
    or eax, 0x100
    cmp ebx, ecx
    je .same
    mov eax, 0xbad                      ; CPUID and the register disagree
.same:
    mov [ap_ids + ecx*4], eax
    push ecx
    mov ecx, 0x1b
    rdmsr
    pop ecx
    and eax, 0x100
    mov [ap_bsp + ecx*4], eax
    mov eax, 1
    shl eax, cl
    shl eax, 24
    mov [APIC + 0xd0], eax              ; LDR: bit N for APIC ID N (flat)
    mov dword [APIC + 0xf0], 0x1ff      ; software-enabled
    mov eax, 1
    lock xadd [ap_count], eax
    mov ebx, 1
    xchg ecx, eax
    shl ebx, cl
    lock or [ap_tickets], ebx
.idle:
    sti
    hlt
    jmp .idle

ap_fixed_handler:
    pushad
    AP_ID
    test ecx, ecx
    jnz .ap
    lock inc dword [bsp_irqs]
.ap:
    push ecx
    xor eax, eax
    cpuid                               ; serializing, before running code
    pop ecx                             ; another CPU may have written
    call smc_func
    mov [smc_seen + ecx*4], eax
    lock inc dword [fixed_seen + ecx*4]
    lock inc dword [fixed_total]
    mov dword [APIC + 0xb0], 0
    popad
    iret

; rewritten by the BSP (the immediate at smc_func + 1)
    align 4096
smc_func:
    mov eax, 0x1111
    ret
    align 4096

ap_lowpri_handler:
    push ecx
    AP_ID
    test ecx, ecx
    jnz .ap
    lock inc dword [bsp_irqs]
.ap:
    lock inc dword [lowpri_total]
    mov dword [APIC + 0xb0], 0
    pop ecx
    iret

ap_nmi_handler:
    push ecx
    AP_ID
    test ecx, ecx
    jnz .ap
    lock inc dword [bsp_irqs]
.ap:
    lock inc dword [nmi_total]
    pop ecx
    iret

    align 4
ap_count:       dd 0
ap_tickets:     dd 0
ap_ids:         times 4 dd 0
ap_bsp:         times 4 dd 0
fixed_seen:     times 4 dd 0
fixed_total:    dd 0
smc_seen:       times 4 dd 0
nmi_total:      dd 0
lowpri_total:   dd 0
bsp_irqs:       dd 0

TEST_END
