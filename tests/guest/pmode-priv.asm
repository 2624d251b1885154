; pmode-priv - privilege levels: entering ring 3 with IRET and RETF, INT n
; through DPL3 interrupt and trap gates (IF cleared or kept), the TSS stack
; switch, IRET back to ring 3, call gates with parameter copy, #GP for
; privileged instructions and DPL0 gates in ring 3, IN/OUT under IOPL and
; the TSS I/O permission bitmap.
; Ring-3 code cannot print (IOPL 0), so it records what it sees in memory
; and ring 0 checks the records afterwards.
%include "lib/pm.inc"

CALLGATE_SEL equ GDT_FREE + 0x00

; UFAULT n: in ring 3, copy the last recorded exception into ufault[n]
%macro UFAULT 1
    mov eax, [exc_vector]
    mov [ufault + (%1)*12], eax
    mov eax, [exc_error]
    mov [ufault + (%1)*12 + 4], eax
    mov eax, [exc_eip]
    mov [ufault + (%1)*12 + 8], eax
%endmacro
; CHECK_UFAULT n, vector, error, eip, "desc"
%macro CHECK_UFAULT 5
    mov eax, [ufault + (%1)*12]
    shl eax, 16
    or eax, [ufault + (%1)*12 + 4]
    EXPECT eax, ((%2) << 16) | (%3), %5
    EXPECT dword [ufault + (%1)*12 + 8], %4, %5
%endmacro

; TO_RING3 eflags, entry, back -- IRET into ring 3 (DS/ES = user data, FS =
; a DPL0 selector that the IRET must null); ring 3's int 83h comes back to
; the label `back` with this ESP.
%macro TO_RING3 3
    mov dword [next_back], %3
    mov [kernel_esp], esp
    mov ax, UDATA_SEL | 3
    mov ds, ax
    mov es, ax
    mov ax, KDATA_SEL
    mov fs, ax
    push dword UDATA_SEL | 3
    push dword USTACK_TOP
    push dword %1
    push dword UCODE_SEL | 3
    push dword %2
    iret
%endmacro

TEST_BEGIN "pmode-priv"
test_main:
    mov al, 0xff                    ; no IRQs even when ring 3 runs with IF=1
    out 0x21, al
    out 0xa1, al
    mov eax, 0x80
    mov ebx, int80_handler
    mov cx, KCODE_SEL
    mov dx, 0x00ee                  ; interrupt gate, DPL3
    call set_gate
    mov eax, 0x81
    mov ebx, int81_handler
    mov dx, 0x00ef                  ; trap gate, DPL3
    call set_gate
    mov eax, 0x83
    mov ebx, int83_handler
    mov dx, 0x00ee
    call set_gate                   ; 0x82 stays a DPL0 gate
    mov eax, CALLGATE_SEL
    mov ebx, callgate_target
    mov dx, 0x02ec                  ; 32-bit call gate, DPL3, 2 parameters
    call set_gdt_gate
    ; I/O bitmap: allow port 0x80 only
    and byte [tss_iomap + 0x80/8], ~1

    TO_RING3 0x202, user1, .back1
.back1:
    mov ax, KDATA_SEL
    mov fs, ax
    EXPECT dword [u_cs], UCODE_SEL | 3, "IRET entered ring 3 (CS.RPL = 3)"
    EXPECT dword [u_fs], 0, "IRET to ring 3 nulled FS holding a DPL0 segment"
    EXPECT dword [k80_cs], UCODE_SEL | 3, "int 80h frame: ring-3 CS"
    EXPECT dword [k80_ss], UDATA_SEL | 3, "int 80h frame: ring-3 SS"
    EXPECT dword [k80_uesp], USTACK_TOP, "int 80h frame: ring-3 ESP"
    EXPECT dword [k80_esp], ISTACK_TOP - 20, "int 80h ran on TSS.ESP0 (5-dword frame)"
    EXPECT dword [k80_myss], KDATA_SEL, "int 80h ran with SS = TSS.SS0"
    EXPECT dword [k80_if], 0, "interrupt gate clears IF"
    EXPECT dword [k81_if], 0x200, "trap gate keeps IF"
    EXPECT dword [u_after80], 0x80, "IRET returned to ring 3 after int 80h"
    CHECK_UFAULT 0, 13, 0x82*8 + 2, user1.f0, "int 82h through a DPL0 gate from ring 3: #GP(idt)"
    CHECK_UFAULT 1, 13, 0, user1.f1, "cli at CPL3 with IOPL0: #GP(0)"
    CHECK_UFAULT 2, 13, 0, user1.f2, "hlt at CPL3: #GP(0)"
    CHECK_UFAULT 3, 13, 0, user1.f3, "mov eax, cr0 at CPL3: #GP(0)"
    CHECK_UFAULT 4, 13, 0, user1.f4, "in from a port the bitmap denies: #GP(0)"
    CHECK_UFAULT 5, 13, 0, user1.f5, "word in straddling an allowed and a denied port: #GP(0)"
    CHECK_UFAULT 6, 13, 0, user1.f6, "out to a denied port: #GP(0)"
    EXPECT dword [u_io_ok], 1, "in/out to a port the bitmap allows"
    EXPECT dword [cg_eip], user1.after_cg, "call gate: return EIP on the ring-0 stack"
    EXPECT dword [cg_cs], UCODE_SEL | 3, "call gate: caller CS"
    EXPECT dword [cg_p1], 0x1111, "call gate: parameter copied (last pushed)"
    EXPECT dword [cg_p2], 0x2222, "call gate: parameter copied (first pushed)"
    EXPECT dword [cg_uesp], USTACK_TOP - 8, "call gate: caller ESP after the pushes"
    EXPECT dword [cg_uss], UDATA_SEL | 3, "call gate: caller SS"
    EXPECT dword [cg_esp], ISTACK_TOP - 24, "call gate: new stack from TSS.ESP0"
    EXPECT dword [u_cg_ret], 0xc0de, "retf 8 from the gate returned to ring 3"
    EXPECT dword [u_cg_esp], USTACK_TOP, "retf 8 released the ring-3 parameters"

    ; IOPL 3: CLI/STI and any port are allowed in ring 3
    TO_RING3 0x3002, user2, .back2
.back2:
    EXPECT dword [u2_flags], 0x3002, "IOPL 3 ring 3: cli/sti ran (IF clear after cli)"
    EXPECT dword [u2_io], 1, "IOPL 3 ring 3: in/out ignore the bitmap"

    ; RETF to ring 3
    mov dword [next_back], .back3
    mov [kernel_esp], esp
    mov ax, UDATA_SEL | 3
    mov ds, ax
    mov es, ax
    push dword UDATA_SEL | 3
    push dword USTACK_TOP - 0x100
    push dword UCODE_SEL | 3
    push dword user3
    retf
.back3:
    EXPECT dword [u3_cs], UCODE_SEL | 3, "RETF entered ring 3"
    EXPECT dword [u3_esp], USTACK_TOP - 0x100, "RETF loaded the ring-3 ESP"
    FINISH

; ---- ring 3 ----------------------------------------------------------------------
user1:
    mov ax, cs
    movzx eax, ax
    mov [u_cs], eax
    mov ax, fs
    movzx eax, ax
    mov [u_fs], eax
    int 0x80
    mov dword [u_after80], 0x80
    int 0x81
    SET_RESUME .f0_done
.f0:
    int 0x82
.f0_done:
    UFAULT 0
    SET_RESUME .f1_done
.f1:
    cli
.f1_done:
    UFAULT 1
    SET_RESUME .f2_done
.f2:
    hlt
.f2_done:
    UFAULT 2
    SET_RESUME .f3_done
.f3:
    mov eax, cr0
.f3_done:
    UFAULT 3
    CLEAR_EXC
    in al, 0x80
    out 0x80, al
    cmp dword [exc_vector], -1
    jne .io_bad
    mov dword [u_io_ok], 1
.io_bad:
    SET_RESUME .f4_done
.f4:
    in al, 0x81
.f4_done:
    UFAULT 4
    SET_RESUME .f5_done
.f5:
    in ax, 0x80
.f5_done:
    UFAULT 5
    SET_RESUME .f6_done
    mov dx, 0x3f8
.f6:
    out dx, al
.f6_done:
    UFAULT 6
    push dword 0x2222
    push dword 0x1111
    call CALLGATE_SEL | 3:0
.after_cg:
    mov [u_cg_ret], eax
    mov [u_cg_esp], esp
    int 0x83

user2:
    cli
    pushfd
    pop dword [u2_flags]
    sti
    cli
    mov dx, 0x3fd
    in al, dx
    mov dword [u2_io], 1
    int 0x83

user3:
    mov ax, cs
    movzx eax, ax
    mov [u3_cs], eax
    mov [u3_esp], esp
    int 0x83

; ---- ring 0 handlers ---------------------------------------------------------------
int80_handler:
    mov [ss:k80_esp], esp
    push ds
    push eax
    mov ax, KDATA_SEL
    mov ds, ax
    mov ax, ss
    movzx eax, ax
    mov [k80_myss], eax
    pushfd
    pop eax
    and eax, 0x200
    mov [k80_if], eax
    mov eax, [esp+8+4]
    mov [k80_cs], eax
    mov eax, [esp+8+12]
    mov [k80_uesp], eax
    mov eax, [esp+8+16]
    mov [k80_ss], eax
    pop eax
    pop ds
    iret

int81_handler:
    push eax
    pushfd
    pop eax
    and eax, 0x200
    mov [ss:k81_if], eax
    pop eax
    iret

; back to the ring-0 flow that did TO_RING3 / RETF
int83_handler:
    mov ax, KDATA_SEL
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov esp, [kernel_esp]
    jmp [next_back]

callgate_target:
    mov [ss:cg_esp], esp
    push eax
    mov eax, [esp+4]
    mov [ss:cg_eip], eax
    mov eax, [esp+8]
    mov [ss:cg_cs], eax
    mov eax, [esp+12]
    mov [ss:cg_p1], eax
    mov eax, [esp+16]
    mov [ss:cg_p2], eax
    mov eax, [esp+20]
    mov [ss:cg_uesp], eax
    mov eax, [esp+24]
    mov [ss:cg_uss], eax
    pop eax
    mov eax, 0xc0de
    retf 8

    align 4
kernel_esp: dd 0
next_back: dd 0
ufault: times 8*3 dd -1
u_cs: dd -1
u_fs: dd -1
u_after80: dd 0
u_io_ok: dd 0
u_cg_ret: dd 0
u_cg_esp: dd 0
u2_flags: dd 0
u2_io: dd 0
u3_cs: dd 0
u3_esp: dd 0
k80_esp: dd 0
k80_myss: dd 0
k80_if: dd -1
k80_cs: dd 0
k80_uesp: dd 0
k80_ss: dd 0
k81_if: dd -1
cg_esp: dd 0
cg_eip: dd 0
cg_cs: dd 0
cg_p1: dd 0
cg_p2: dd 0
cg_uesp: dd 0
cg_uss: dd 0

TEST_END
