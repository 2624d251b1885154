; reset - a machine reset brings the interrupt controllers, the PIT and the
; CPU's MSRs back to their power-on state (tests/kvm/init runs it under
; -accel kvm, where all of that may live in the kernel).
;
; Boot 1 records what it finds at power-on (8259s, I/O APIC, local APIC,
; PIT status, the kvmclock MSR and MTRRdefType) at SCRATCH, which a reset
; does not clear, then dirties all of it (an IRQ0 and a self-IPI left in
; service, everything reprogrammed, kvmclock pointed at a page) and resets
; through port 0xcf9.  Boot 2 must find the recorded state, dirties it
; again and resets by a triple fault; boot 3 must find it once more.
; Every check runs exactly once over the three boots, so the plan (printed
; by each boot) holds for the whole output.
%include "lib/pm.inc"
%include "lib/pic.inc"

APIC        equ 0xfee00000
IOAPIC      equ 0xfec00000
MAGIC       equ 0x4b545352          ; "RSTK"
STATE       equ SCRATCH             ; dd MAGIC, dd boots so far
POWERON     equ SCRATCH + 0x100     ; the snapshot boot 1 took
NOW         equ SCRATCH + 0x800     ; the latest snapshot
PVCLOCK     equ SCRATCH + 0x1000    ; where boot 1/2 point kvmclock
VEC_PIC     equ 0x20                ; the master's vectors, as PIC_INIT sets them
VEC_IPI     equ 0x50

; The snapshot, in dwords: each group compared on its own.
S_PIC       equ 0                   ; IMR, ISR, IRR (less IRQ0) of each 8259
N_PIC       equ 6
S_IOAPIC    equ S_PIC + N_PIC       ; ID, 24 redirection entries (low, high)
N_IOAPIC    equ 1 + 48
S_LAPIC     equ S_IOAPIC + N_IOAPIC ; ID TPR LDR DFR SVR, ISR TMR IRR, LVTs, timer
N_LAPIC     equ 5 + 24 + 6
S_PIT       equ S_LAPIC + N_LAPIC   ; read-back status of counters 0-2
N_PIT       equ 3
S_MSR       equ S_PIT + N_PIT       ; kvmclock system time (lo, hi), MTRRdefType
N_MSR       equ 3
N_ALL       equ S_MSR + N_MSR

; COMPARE_ALL "when": one check per group, the snapshot NOW against POWERON.
%macro COMPARE_ALL 1
    call snapshot
    mov ebx, S_PIC
    mov ecx, N_PIC
    call compare
    EXPECT eax, -1, {"8259s as at power-on ", %1}
    mov ebx, S_IOAPIC
    mov ecx, N_IOAPIC
    call compare
    EXPECT eax, -1, {"I/O APIC as at power-on ", %1}
    mov ebx, S_LAPIC
    mov ecx, N_LAPIC
    call compare
    EXPECT eax, -1, {"local APIC as at power-on ", %1}
    mov ebx, S_PIT
    mov ecx, N_PIT
    call compare
    EXPECT eax, -1, {"PIT as at power-on ", %1}
    mov ebx, S_MSR
    mov ecx, N_MSR
    call compare
    EXPECT eax, -1, {"kvmclock MSR and MTRRdefType as at power-on ", %1}
%endmacro

; DIRTY_ALL "when": changes everything, then checks that each group differs
; from power-on (else the checks after the reset would prove nothing).
%macro DIRTY_ALL 1
    mov dword [quiet], 1
    call dirty
    EXPECT dword [pic_irqs], 1, {"IRQ0 taken, left in service ", %1}
    EXPECT dword [ipis], 1, {"self-IPI taken, left in service ", %1}
    call snapshot
    mov ebx, S_PIC
    mov ecx, N_PIC
    call compare
    CHECK ns, {"8259s reprogrammed ", %1}
    mov ebx, S_IOAPIC
    mov ecx, N_IOAPIC
    call compare
    CHECK ns, {"I/O APIC reprogrammed ", %1}
    mov ebx, S_LAPIC
    mov ecx, N_LAPIC
    call compare
    CHECK ns, {"local APIC reprogrammed ", %1}
    mov ebx, S_PIT
    mov ecx, N_PIT
    call compare
    CHECK ns, {"PIT reprogrammed ", %1}
    mov ebx, S_MSR
    mov ecx, N_MSR
    call compare
    CHECK ns, {"MTRRdefType (and kvmclock) changed ", %1}
    mov dword [quiet], 0
%endmacro

TEST_BEGIN "reset"
test_main:
    call features
    mov eax, VEC_PIC
    mov ebx, pic_handler
    call gate
    mov eax, VEC_IPI
    mov ebx, ipi_handler
    call gate
    cmp dword [STATE], MAGIC
    jne first_boot
    cmp dword [STATE + 4], 1
    je second_boot
    cmp dword [STATE + 4], 2
    je third_boot
    PRINT {"# unexpected boot count", 10}
    EXIT EXIT_FAIL

first_boot:
    mov edi, POWERON
    call snapshot_to
    DIRTY_ALL "(boot 1)"
    mov dword [STATE], MAGIC
    mov dword [STATE + 4], 1
    PRINT {"# resetting through port 0xcf9", 10}
    mov dx, 0xcf9
    mov al, 0x06                    ; system reset, reset CPU
    out dx, al
.wait:
    hlt
    jmp .wait

second_boot:
    COMPARE_ALL "after a reset through port 0xcf9"
    DIRTY_ALL "(boot 2)"
    mov dword [STATE + 4], 2
    PRINT {"# resetting by a triple fault", 10}
    lidt [no_idt]
    int3                            ; #GP (no IDT), #DF, shutdown
.wait:
    hlt
    jmp .wait

third_boot:
    COMPARE_ALL "after a triple fault"
    mov dword [STATE], 0
    FINISH

; ---- the snapshot ------------------------------------------------------------------------
snapshot:
    mov edi, NOW
snapshot_to:                        ; edi = where
    pushad
    mov edx, 0x21
    call pic_regs
    mov edx, 0xa1
    call pic_regs
    and dword [edi + S_PIC * 4 + 8], ~1     ; master IRR: not the PIT's IRQ0
    xor ecx, ecx                    ; I/O APIC ID
    call ioapic_read
    mov [edi + S_IOAPIC * 4], eax
    mov ecx, 0x10
.ioapic:
    call ioapic_read
    mov [edi + ecx * 4 + S_IOAPIC * 4 - 0x40 + 4], eax
    inc ecx
    cmp ecx, 0x10 + 48
    jb .ioapic
    lea ebx, [edi + S_LAPIC * 4]
    mov esi, lapic_regs
.lapic:
    movzx eax, word [esi]
    mov eax, [APIC + eax]
    mov [ebx], eax
    add ebx, 4
    add esi, 2
    cmp esi, lapic_regs_end
    jb .lapic
    mov al, 0xee                    ; read-back: status of counters 0-2
    out 0x43, al
    xor ebx, ebx
.pit:
    lea edx, [ebx + 0x40]
    in al, dx
    and eax, 0x3f                   ; not OUT, not null count
    mov [edi + S_PIT * 4 + ebx * 4], eax
    inc ebx
    cmp ebx, 3
    jb .pit
    xor eax, eax
    xor edx, edx
    cmp dword [has_kvmclock], 0
    je .no_kvmclock
    mov ecx, 0x4b564d01
    rdmsr
.no_kvmclock:
    mov [edi + S_MSR * 4], eax
    mov [edi + S_MSR * 4 + 4], edx
    xor eax, eax
    cmp dword [has_mtrr], 0
    je .no_mtrr
    mov ecx, 0x2ff
    rdmsr
.no_mtrr:
    mov [edi + S_MSR * 4 + 8], eax
    popad
    ret

; dx = the 8259's data port; edi = snapshot: IMR, ISR, IRR at S_PIC + 3 * n
pic_regs:
    lea ebx, [edx - 0x21]           ; 0 or 0x80
    shr ebx, 5                      ; 0 or 4: 3 dwords each -> 0 or 12 bytes
    imul ebx, ebx, 3
    add ebx, edi
    in al, dx
    movzx eax, al
    mov [ebx + S_PIC * 4], eax
    dec dx                          ; command port
    mov al, 0x0b                    ; OCW3: read ISR
    out dx, al
    in al, dx
    movzx eax, al
    mov [ebx + S_PIC * 4 + 4], eax
    mov al, 0x0a                    ; OCW3: read IRR (as after reset)
    out dx, al
    in al, dx
    movzx eax, al
    mov [ebx + S_PIC * 4 + 8], eax
    ret

; ebx = first dword, ecx = count: eax = index of the first dword where NOW
; differs from POWERON (each difference is printed unless [quiet]), or -1
; (SF set).
compare:
    push esi
    push edi
    push edx
    mov eax, -1
    lea esi, [POWERON + ebx * 4]
    lea edi, [NOW + ebx * 4]
.next:
    mov edx, [edi]
    cmp edx, [esi]
    je .same
    cmp eax, -1
    jne .print
    mov eax, ebx
.print:
    cmp dword [quiet], 0
    jne .same
    PRINTHEX "  differs at dword", ebx
    PRINTHEX "    now", dword [edi]
    PRINTHEX "    at power-on", dword [esi]
.same:
    add esi, 4
    add edi, 4
    inc ebx
    dec ecx
    jnz .next
    pop edx
    pop edi
    pop esi
    test eax, eax                   ; SF: no difference
    ret

; ---- dirtying ------------------------------------------------------------------------------
dirty:
    pushad
    mov dword [pic_irqs], 0
    mov dword [ipis], 0
    PIC_INIT 0xfe, 0x5a             ; master: only IRQ0 (vector VEC_PIC)
    mov al, 0x34                    ; PIT counter 0: mode 2, about 1 kHz
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    mov al, 0x74                    ; counter 1: mode 2, no count yet
    out 0x43, al
    mov al, 0xb0                    ; counter 2: mode 0, no count yet
    out 0x43, al
    sti
    hlt                             ; IRQ0, which is not acknowledged
    cli
    mov dword [APIC + 0xf0], 0x1ff  ; software-enabled
    mov dword [APIC + 0x310], 0
    mov dword [APIC + 0x300], 0x40000 | VEC_IPI     ; self, fixed
    mov ecx, 100000
.ipi:
    sti
    nop
    cli
    cmp dword [ipis], 0
    loopz .ipi
    mov dword [APIC + 0x80], 0x20   ; TPR
    mov dword [APIC + 0xe0], 0x0fffffff     ; cluster model
    mov dword [APIC + 0xd0], 0x01000000
    mov dword [APIC + 0x3e0], 0xb   ; divide by 1
    mov dword [APIC + 0x320], 0x20060       ; periodic, vector 60h
    mov dword [APIC + 0x380], 0x10000000
    xor ecx, ecx                    ; I/O APIC ID 0Ch
    mov eax, 0x0c000000
    call ioapic_write
    mov ecx, 0x10 + 2 * 2
    mov eax, 0x42                   ; pin 2: vector 42h, unmasked
    call ioapic_write
    inc ecx
    mov eax, 0x01000000
    call ioapic_write
    mov ecx, 0x10 + 9 * 2
    mov eax, 0x1a061                ; pin 9: level, low, masked
    call ioapic_write
    cmp dword [has_kvmclock], 0
    je .no_kvmclock
    mov ecx, 0x4b564d01
    mov eax, PVCLOCK | 1
    xor edx, edx
    wrmsr
.no_kvmclock:
    cmp dword [has_mtrr], 0
    je .no_mtrr
    mov ecx, 0x2ff
    mov eax, 0xc06                  ; enabled, fixed enabled, default WB
    xor edx, edx
    wrmsr
.no_mtrr:
    popad
    ret

; has_kvmclock: the KVM signature and KVM_FEATURE_CLOCKSOURCE2; has_mtrr.
features:
    pushad
    mov eax, 1
    cpuid
    shr edx, 12
    and edx, 1
    mov [has_mtrr], edx
    mov eax, 0x40000000
    cpuid
    cmp ebx, "KVMK"
    jne .done
    cmp ecx, "VMKV"
    jne .done
    mov eax, 0x40000001
    cpuid
    shr eax, 3
    and eax, 1
    mov [has_kvmclock], eax
.done:
    popad
    ret

gate:
    push ecx
    push edx
    mov cx, KCODE_SEL
    mov dx, 0x008e
    call set_gate
    pop edx
    pop ecx
    ret

; ecx = register index; returns eax
ioapic_read:
    mov [IOAPIC], ecx
    mov eax, [IOAPIC + 0x10]
    ret

; ecx = register index, eax = value
ioapic_write:
    mov [IOAPIC], ecx
    mov [IOAPIC + 0x10], eax
    ret

pic_handler:                        ; no EOI: IRQ0 stays in service
    inc dword [pic_irqs]
    iret

ipi_handler:                        ; no EOI: the vector stays in service
    inc dword [ipis]
    iret

    align 4
lapic_regs:
    dw 0x20, 0x80, 0xd0, 0xe0, 0xf0
    dw 0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0x160, 0x170
    dw 0x180, 0x190, 0x1a0, 0x1b0, 0x1c0, 0x1d0, 0x1e0, 0x1f0
    dw 0x200, 0x210, 0x220, 0x230, 0x240, 0x250, 0x260, 0x270
    dw 0x320, 0x350, 0x360, 0x370, 0x380, 0x3e0
lapic_regs_end:
    align 4
no_idt:
    dw 0
    dd 0
    align 4
pic_irqs: dd 0
ipis: dd 0
has_kvmclock: dd 0
has_mtrr: dd 0
quiet: dd 0

TEST_END
