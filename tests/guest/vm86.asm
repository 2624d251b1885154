; vm86 - virtual-8086 mode: entered by IRET with EFLAGS.VM=1, real-mode
; style addressing, INT n with IOPL<3 trapping to the protected-mode #GP
; handler (which emulates it and IRETs back into v86), INT n with IOPL=3
; going straight through a DPL3 IDT gate with the v86 segment registers
; saved and zeroed, CLI/STI/PUSHF under IOPL 3, and HLT faulting back to
; protected mode.
%include "lib/pm.inc"

V86_CS   equ 0x1000                 ; code copied to 0x10000
V86_SS   equ 0x2000                 ; stack at 0x20000 + SP
V86_SP   equ 0x1000
V86_DS   equ 0x3000                 ; results at 0x30000
V86_DATA equ V86_DS * 16

; TO_V86 eflags, entry_label -- IRET into v86 at V86_CS:(entry - v86_blob)
%macro TO_V86 2
    SET_ABORT %%back
    push dword 0                    ; GS
    push dword 0                    ; FS
    push dword V86_DS               ; DS
    push dword V86_DS               ; ES
    push dword V86_SS
    push dword V86_SP
    push dword %1
    push dword V86_CS
    push dword %2 - v86_blob
    iret
%%back:
%endmacro

TEST_BEGIN "vm86"
test_main:
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov esi, v86_blob
    mov edi, V86_CS * 16
    mov ecx, v86_blob_end - v86_blob
    rep movsb
    mov edi, V86_DATA
    xor eax, eax
    mov ecx, 64
    rep stosd
    mov eax, 0x31
    mov ebx, int31_handler
    mov cx, KCODE_SEL
    mov dx, 0x00ee
    call set_gate
    mov dword [exc_hook], gp_hook

    ; IOPL 0
    TO_V86 0x00020002, v86_a
    EXPECT_EXC 13, 0, v86_a.stop - v86_blob, "hlt in v86 with IOPL 0: #GP(0) at the HLT"
    EXPECT dword [exc_cs], V86_CS, "#GP frame holds the v86 CS"
    mov eax, [exc_eflags]
    and eax, 0x20000
    EXPECT eax, 0x20000, "#GP frame has EFLAGS.VM set"
    movzx eax, word [V86_DATA + 0]
    EXPECT eax, V86_CS, "v86 code sees its CS"
    movzx eax, word [V86_DATA + 2]
    EXPECT eax, 0x2468, "v86 arithmetic and DS:offset stores (linear DS*16+off)"
    movzx eax, word [V86_DATA + 4]
    EXPECT eax, V86_DS, "IRET loaded DS from the v86 frame"
    movzx eax, word [V86_DATA + 6]
    EXPECT eax, V86_SP - 2, "v86 stack: SP after a push"
    movzx eax, word [V86_SS * 16 + V86_SP - 2]
    EXPECT eax, 0xbeef, "v86 push lands at SS*16+SP"
    EXPECT dword [gp_int_seen], 1, "INT 30h with IOPL 0 went to the #GP handler"
    EXPECT dword [gp_int_ip], v86_a.int30 - v86_blob, "#GP for INT 30h: IP of the INT"
    movzx eax, word [V86_DATA + 8]
    EXPECT eax, 0x4242, "#GP handler IRET back into v86 (AX it set)"
    EXPECT dword [gp_cli_seen], 1, "CLI with IOPL 0 in v86: #GP"

    ; IOPL 3
    mov dword [gp_cli_seen], 0
    TO_V86 0x00023002, v86_b
    EXPECT_EXC 13, 0, v86_b.stop - v86_blob, "hlt in v86 with IOPL 3: #GP(0)"
    EXPECT dword [gp_cli_seen], 0, "CLI/STI with IOPL 3 do not fault"
    movzx eax, word [V86_DATA + 0x10]
    and eax, 0x3000
    EXPECT eax, 0x3000, "PUSHF in v86 shows IOPL 3"
    EXPECT dword [r31_count], 1, "INT 31h with IOPL 3 went through the IDT gate"
    EXPECT dword [r31_cs], V86_CS, "INT 31h frame: v86 CS"
    EXPECT dword [r31_frame_ds], V86_DS, "INT 31h frame: v86 DS saved"
    EXPECT dword [r31_ds], 0, "INT 31h handler runs with DS zeroed"
    EXPECT dword [r31_vm], 0x20000, "INT 31h frame: EFLAGS.VM"
    EXPECT dword [r31_esp], ISTACK_TOP - 36, "INT 31h on TSS.ESP0 with the 9-dword frame"
    movzx eax, word [V86_DATA + 0x12]
    EXPECT eax, 0x31, "IRET from the gate handler back into v86"
    FINISH

; exc_hook: emulate INT n / note CLI for v86 code running with IOPL < 3
gp_hook:
    xor eax, eax
    cmp dword [ebp+FR_VEC], 13
    jne .out
    test dword [ebp+FR_EFLAGS], 0x20000
    jz .out
    movzx ecx, word [ebp+FR_CS]
    shl ecx, 4
    add ecx, [ebp+FR_EIP]
    cmp byte [ecx], 0xcd
    je .int
    cmp byte [ecx], 0xfa
    jne .out
    inc dword [gp_cli_seen]
    inc dword [ebp+FR_EIP]
    mov eax, 1
.out:
    ret
.int:
    inc dword [gp_int_seen]
    mov ecx, [ebp+FR_EIP]
    mov [gp_int_ip], ecx
    add dword [ebp+FR_EIP], 2
    mov dword [ebp+FR_EAX], 0x4242
    mov eax, 1
    ret

int31_handler:
    mov [ss:r31_esp], esp
    push eax
    mov ax, ds
    movzx eax, ax
    mov [ss:r31_ds], eax
    inc dword [ss:r31_count]
    mov eax, [esp+4+4]
    mov [ss:r31_cs], eax
    mov eax, [esp+4+8]
    and eax, 0x20000
    mov [ss:r31_vm], eax
    mov eax, [esp+4+24]
    mov [ss:r31_frame_ds], eax
    pop eax
    mov ebx, 0x31
    iret

    align 4
gp_int_seen: dd 0
gp_int_ip: dd 0
gp_cli_seen: dd 0
r31_count: dd 0
r31_esp: dd 0
r31_ds: dd -1
r31_cs: dd 0
r31_vm: dd 0
r31_frame_ds: dd 0

; ---- v86 code, copied to V86_CS:0 ------------------------------------------------------
BITS 16
v86_blob:
v86_a:
    mov ax, cs
    mov [0], ax
    mov ax, 0x1234
    add ax, ax
    mov [2], ax
    mov ax, ds
    mov [4], ax
    push word 0xbeef
    mov [6], sp
    pop ax
    xor ax, ax
.int30:
    int 0x30
    mov [8], ax
    cli
.stop:
    hlt

v86_b:
    cli
    sti
    cli
    pushf
    pop ax
    mov [0x10], ax
    xor bx, bx
    int 0x31
    mov [0x12], bx
.stop:
    hlt
v86_blob_end:
BITS 32

TEST_END
