; a20 - the A20 gate through port 0x92 ("fast A20", bit 1) and through the
; 8042 keyboard controller's output port (commands D1h/D0h, bit 1), seen as
; the wrap of FFFF:8010 (linear 108000h) onto 0000:8000 when A20 is off.
;
; Hardware ORs the two gates; QEMU drives one line from both (the last
; write wins).  The sequence only relies on what both models agree on: a
; gate is switched while the other one is off.
%include "lib/rm.inc"

LOW     equ 0x8000              ; 0000:8000 = linear 008000h
HIGH    equ 0x8010              ; FFFF:8010 = linear 108000h
KBC_ST  equ 0x64
KBC_DAT equ 0x60

TEST_BEGIN "a20"
test_main:
    mov ax, 0xffff
    mov fs, ax

    ; both gates off: the KBC's, then port 0x92's
    mov al, 0xdd
    call kbc_write_outport
    in al, 0x92
    and al, 0xfc                ; bit 0 would reset the machine
    out 0x92, al
    in al, 0x92
    and eax, 2
    EXPECT eax, 0, "port 0x92 bit 1 reads back 0"
    call wraps
    EXPECT eax, 1, "A20 off (both gates): 108000h wraps to 008000h"

    ; port 0x92 alone
    in al, 0x92
    and al, 0xfc
    or al, 2
    out 0x92, al
    in al, 0x92
    and eax, 2
    EXPECT eax, 2, "port 0x92 bit 1 reads back 1"
    call wraps
    EXPECT eax, 0, "A20 on through port 0x92: no wrap"
    in al, 0x92
    and al, 0xfc
    out 0x92, al
    call wraps
    EXPECT eax, 1, "A20 off again through port 0x92: wrap"

    ; the KBC alone
    mov al, 0xdf
    call kbc_write_outport
    call kbc_read_outport
    and eax, 2
    EXPECT eax, 2, "KBC output port bit 1 reads back 1 (D0h)"
    call wraps
    EXPECT eax, 0, "A20 on through the KBC (D1h DFh): no wrap"
    mov al, 0xdd
    call kbc_write_outport
    call kbc_read_outport
    and eax, 2
    EXPECT eax, 0, "KBC output port bit 1 reads back 0 (D0h)"
    call wraps
    EXPECT eax, 1, "A20 off through the KBC (D1h DDh): wrap"

    mov al, 0xdf                ; leave A20 on
    call kbc_write_outport
    call wraps
    EXPECT eax, 0, "A20 on again"
    FINISH

; eax = 1 when a store to 108000h lands on 008000h, 0 when the two differ
wraps:
    mov dword [LOW], 0x11111111
    mov dword [fs:HIGH], 0x22222222
    xor eax, eax
    cmp dword [LOW], 0x22222222
    jne .done
    cmp dword [fs:HIGH], 0x22222222
    jne .done
    inc eax
.done:
    ret

kbc_wait_input_empty:
    in al, KBC_ST
    test al, 2
    jnz kbc_wait_input_empty
    ret

; al = new output port value (bit 0 must stay 1: it is the reset line)
kbc_write_outport:
    mov ah, al
    call kbc_wait_input_empty
    mov al, 0xd1
    out KBC_ST, al
    call kbc_wait_input_empty
    mov al, ah
    out KBC_DAT, al
    call kbc_wait_input_empty
    ret

; -> eax = the output port (command D0h)
kbc_read_outport:
    call kbc_wait_input_empty
    mov al, 0xd0
    out KBC_ST, al
.wait:
    in al, KBC_ST
    test al, 1
    jz .wait
    in al, KBC_DAT
    movzx eax, al
    ret
TEST_END
