; irq - the 8259 PIC and the 8254 PIT: remap the PICs, program PIT channel
; 0 in mode 2 (rate generator, IRQ0), then STI;HLT must wake on the timer
; interrupt whose handler counts ticks.  Also: the frame's EIP is the
; instruction after HLT, IF=0 in an interrupt gate, ISR/IRR/IMR of the
; PIC, a request held pending while IF=0, and the PIT read-back status.
%include "lib/pm.inc"
%include "lib/pic.inc"

PIT_DIVISOR equ 1193                ; about 1 kHz

TEST_BEGIN "irq"
test_main:
    PIC_INIT 0xfe, 0xff             ; vectors 20h and 28h, only IRQ0
    in al, 0x21
    movzx eax, al
    EXPECT eax, 0xfe, "IMR reads back the mask"
    mov eax, 0x20
    mov ebx, timer_handler
    mov cx, KCODE_SEL
    mov dx, 0x008e
    call set_gate
    ; PIT channel 0, lo/hi, mode 2, binary
    mov al, 0x34
    out 0x43, al
    mov al, PIT_DIVISOR & 0xff
    out 0x40, al
    mov al, PIT_DIVISOR >> 8
    out 0x40, al
    mov al, 0xe2                    ; read-back: status of channel 0
    out 0x43, al
    in al, 0x40
    and eax, 0x3f
    EXPECT eax, 0x34, "PIT read-back status: lo/hi access, mode 2"
    call pit_read
    mov ebx, eax
    mov ecx, 100000
.spin:
    call pit_read
    cmp eax, ebx
    jne .moved
    loop .spin
.moved:
    CHECK ne, "PIT channel 0 counter is counting"
    cmp eax, PIT_DIVISOR
    CHECK be, "PIT counter stays within the divisor"

; ---- HLT wakes on IRQ0 ------------------------------------------------------------------
    mov dword [ticks], 0
    sti
    hlt
.after_hlt:
    cli
    cmp dword [ticks], 1
    CHECK ae, "sti; hlt woke on the timer interrupt"
    EXPECT dword [tick_eip], .after_hlt, "interrupt frame EIP = instruction after HLT"
    EXPECT dword [tick_if], 0, "IF clear inside an interrupt gate handler"
    EXPECT dword [tick_isr], 1, "ISR bit 0 set while IRQ0 is in service"
    mov al, 0x0b
    out 0x20, al
    in al, 0x20
    movzx eax, al
    EXPECT eax, 0, "EOI cleared the ISR"
    mov dword [ticks], 0
    mov ecx, 5
.five:
    sti
    hlt
    cli
    loop .five
    cmp dword [ticks], 5
    CHECK ae, "five HLTs, at least five ticks (EOI lets the next one in)"

; ---- pending request while IF=0 -----------------------------------------------------------
; Mode 0 (interrupt on terminal count) gives exactly one rising edge that
; stays high, so the checks do not depend on when the emulator samples.
    mov ebx, [ticks]
    call pit_oneshot
    EXPECT dword [ticks], ebx, "no interrupt delivered while IF=0"
    mov al, 0x0a
    out 0x20, al
    in al, 0x20
    and eax, 1
    EXPECT eax, 1, "IRR bit 0 latched while IF=0"
    sti
    nop
    nop
    cli
    mov eax, [ticks]
    sub eax, ebx
    EXPECT eax, 1, "pending IRQ0 delivered right after STI, once"

; ---- masked in the IMR ----------------------------------------------------------------------
    mov al, 0xff
    out 0x21, al
    mov ebx, [ticks]
    call pit_oneshot
    sti
    nop
    nop
    cli
    EXPECT dword [ticks], ebx, "IRQ0 masked in the IMR: no interrupt"
    mov al, 0x0a
    out 0x20, al
    in al, 0x20
    and eax, 1
    EXPECT eax, 1, "IRR latches a masked request"
    mov al, 0xfe
    out 0x21, al
    sti
    nop
    nop
    cli
    mov eax, [ticks]
    sub eax, ebx
    EXPECT eax, 1, "unmasking IRQ0 delivers the held request"
    ; back to the rate generator
    mov al, 0x34
    out 0x43, al
    mov al, PIT_DIVISOR & 0xff
    out 0x40, al
    mov al, PIT_DIVISOR >> 8
    out 0x40, al
    mov ebx, [ticks]
    sti
    hlt
    cli
    mov eax, [ticks]
    sub eax, ebx
    cmp eax, 1
    CHECK ae, "mode 2 again: ticks resume"
    mov al, 0xff
    out 0x21, al
    FINISH

; PIT channel 0 in mode 0 with a short count; returns once OUT went high
pit_oneshot:
    push eax
    push ecx
    mov al, 0x30                    ; ch0, lo/hi, mode 0
    out 0x43, al
    mov al, 200
    out 0x40, al
    xor al, al
    out 0x40, al
    mov ecx, 10000000               ; bail out if OUT never rises
.poll:
    mov al, 0xe2
    out 0x43, al
    in al, 0x40
    test al, 0x80
    jnz .high
    loop .poll
.high:
    ; An emulator may deliver the edge to the PIC a little after OUT reads
    ; high; give it time (the hardware latches IRR at the edge itself).
    mov ecx, 1000000
.irr:
    mov al, 0x0a
    out 0x20, al
    in al, 0x20
    test al, 1
    jnz .done
    loop .irr
.done:
    pop ecx
    pop eax
    ret

; eax = current count of PIT channel 0 (latched)
pit_read:
    push edx
    mov al, 0x00
    out 0x43, al
    in al, 0x40
    mov dl, al
    in al, 0x40
    mov dh, al
    movzx eax, dx
    pop edx
    ret

timer_handler:
    push eax
    inc dword [ticks]
    mov eax, [esp+4]
    mov [tick_eip], eax
    pushfd
    pop eax
    and eax, 0x200
    mov [tick_if], eax
    mov al, 0x0b                    ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    and eax, 1
    mov [tick_isr], eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

    align 4
ticks: dd 0
tick_eip: dd 0
tick_if: dd -1
tick_isr: dd -1

TEST_END
