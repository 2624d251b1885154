; pmode-basic - segmentation in 32-bit protected mode: the GDT and an LDT,
; far jumps and calls (32- and 16-bit code), null selectors, descriptor
; checks on segment loads with their error codes, limits and expand-down
; segments, #SS/#NP on stack and data segment loads, LAR/LSL/VERR/VERW.
%include "lib/pm.inc"

BASE_DATA_SEL equ GDT_FREE + 0x00   ; data, base SCRATCH, limit 0xfff
CODE16_SEL    equ GDT_FREE + 0x08   ; 16-bit code, base LOAD_ADDR (IP < 64K)
EXPDN_SEL     equ GDT_FREE + 0x10   ; expand-down data, B=1, limit 0x1fffff
LDT_SEL       equ GDT_FREE + 0x18   ; the LDT
XO_CODE_SEL   equ GDT_FREE + 0x20   ; execute-only code
RO_DATA_SEL   equ GDT_FREE + 0x28   ; read-only data, G=1
DPL3_DATA_SEL equ GDT_FREE + 0x30   ; (flat data DPL3 is UDATA_SEL)
NP_DATA_SEL   equ GDT_FREE + 0x38   ; not present
SMALL_CS_SEL  equ GDT_FREE + 0x40   ; code, base 0, limit 0x1fffff (G=1, 0x1ff)
LDT_DATA_SEL  equ 0x0c | 0          ; LDT entry 1, TI=1, RPL0
LDT_NP_SEL    equ 0x14              ; LDT entry 2: not present
LDT_BASE      equ SCRATCH + 0x10000

TEST_BEGIN "pmode-basic"
test_main:
    mov eax, BASE_DATA_SEL
    mov ebx, SCRATCH
    mov ecx, 0xfff
    mov dx, 0x4092
    call set_desc
    mov eax, CODE16_SEL
    mov ebx, LOAD_ADDR
    mov ecx, 0xffff
    mov dx, 0x009a                  ; byte granular, D=0
    call set_desc
    xor ebx, ebx
    mov eax, EXPDN_SEL
    mov ecx, 0x1fffff >> 12
    mov dx, 0xc096                  ; G=1 B=1, expand-down writable
    call set_desc
    mov eax, LDT_SEL
    mov ebx, ldt_table
    mov ecx, 3*8-1
    mov dx, 0x0082
    call set_desc
    xor ebx, ebx
    mov eax, XO_CODE_SEL
    mov ecx, 0xfffff
    mov dx, 0xc098
    call set_desc
    mov eax, RO_DATA_SEL
    mov ecx, 0x12345
    mov dx, 0xc090
    call set_desc
    mov eax, NP_DATA_SEL
    mov ecx, 0xfffff
    mov dx, 0xc012
    call set_desc
    mov eax, SMALL_CS_SEL
    mov ecx, 0x1ff
    mov dx, 0xc09a
    call set_desc
    mov edi, ldt_table + 8
    mov ebx, LDT_BASE
    mov ecx, 0xffff
    mov dx, 0x40f2                  ; DPL3 data (readable from CPL0 too)
    call write_desc
    mov edi, ldt_table + 16
    mov dx, 0x4072                  ; not present
    call write_desc

; ---- far jumps and calls --------------------------------------------------------------
    jmp KCODE_SEL:.fj1
.fj1:
    mov ax, cs
    movzx eax, ax
    EXPECT eax, KCODE_SEL, "direct far jmp ptr16:32"
    jmp far [far_ptr]
.fj2:
    mov ax, cs
    movzx eax, ax
    EXPECT eax, KCODE_SEL, "indirect far jmp m16:32"
    call KCODE_SEL:far_callee
    EXPECT eax, 0x600d, "far call / retf to the same segment"
    mov [saved_esp], esp
    call CODE16_SEL:(code16_entry - LOAD_ADDR)
    EXPECT eax, 0x0000ffff, "16-bit code segment: DEC AX is 16 bits wide"
    mov eax, [saved_esp]
    mov ecx, esp
    EXPECT ecx, eax, "o32 retf from 16-bit code restores ESP"
    SET_RESUME .lim1_done
.lim1:
    jmp SMALL_CS_SEL:0x300000
.lim1_done:
    EXPECT_EXC 13, 0, .lim1, "far jmp past the CS limit: #GP(0)"
    ; Near transfers past the limit of the CS they run under (blocks
    ; under a flat CS leave the check out).  QEMU's TCG does not check:
    ; it would run whatever lies at 0x300000.
%ifndef QEMU_TCG
    SET_RESUME .lim2_done
    jmp SMALL_CS_SEL:.lim2
.lim2:
    jmp 0x300000
.lim2_done:
    jmp KCODE_SEL:.lim2_back
.lim2_back:
    EXPECT_EXC 13, 0, .lim2, "near jmp past the CS limit: #GP(0)"
    SET_RESUME .lim3_done
    jmp SMALL_CS_SEL:.lim3_go
.lim3_go:
    push dword 0x300000
.lim3:
    ret
.lim3_done:
    add esp, 4                      ; RET faults before it pops
    jmp KCODE_SEL:.lim3_back
.lim3_back:
    EXPECT_EXC 13, 0, .lim3, "ret past the CS limit: #GP(0)"
%endif

; ---- null selectors ---------------------------------------------------------------------
    CLEAR_EXC
    xor ax, ax
    mov es, ax
    mov fs, ax
    mov ax, 3
    mov gs, ax
    EXPECT_NOEXC "null selectors load into ES/FS/GS"
    mov ax, gs
    movzx eax, ax
    EXPECT eax, 3, "null selector keeps its RPL"
    mov ax, KDATA_SEL
    mov es, ax

; ---- descriptor checks on loads ------------------------------------------------------------
    mov ax, 0x103
    SET_RESUME .d1_done
.d1:
    mov ds, ax
.d1_done:
    EXPECT_EXC 13, 0x100, .d1, "GDT limit: #GP(sel) without the RPL bits"
    mov ax, TSS_SEL
    SET_RESUME .d2_done
.d2:
    mov es, ax
.d2_done:
    EXPECT_EXC 13, TSS_SEL, .d2, "system descriptor into ES: #GP(sel)"
    mov ax, KDATA_SEL | 3
    SET_RESUME .d3_done
.d3:
    mov fs, ax
.d3_done:
    EXPECT_EXC 13, KDATA_SEL, .d3, "RPL3 selector for a DPL0 segment: #GP(sel)"
    CLEAR_EXC
    mov ax, KCODE_SEL
    mov fs, ax
    mov eax, [fs:far_ptr]
    EXPECT eax, [far_ptr], "readable code segment loads into FS and reads"
    mov ax, XO_CODE_SEL
    SET_RESUME .d4_done
.d4:
    mov fs, ax
.d4_done:
    EXPECT_EXC 13, XO_CODE_SEL, .d4, "execute-only code into FS: #GP(sel)"
    mov ax, RO_DATA_SEL
    SET_RESUME .d5_done
.d5:
    mov ss, ax
.d5_done:
    EXPECT_EXC 13, RO_DATA_SEL, .d5, "read-only data into SS: #GP(sel)"
    mov ax, UDATA_SEL | 3
    SET_RESUME .d6_done
.d6:
    mov ss, ax
.d6_done:
    EXPECT_EXC 13, UDATA_SEL, .d6, "DPL3 stack segment at CPL0: #GP(sel)"
    mov ax, NP_DATA_SEL
    SET_RESUME .d7_done
.d7:
    mov gs, ax
.d7_done:
    EXPECT_EXC 11, NP_DATA_SEL, .d7, "not-present data into GS: #NP(sel)"
    SET_RESUME .d8_done
.d8:
    mov ss, ax
.d8_done:
    EXPECT_EXC 12, NP_DATA_SEL, .d8, "not-present segment into SS: #SS(sel)"
    ; accessed bit
    and byte [gdt + BASE_DATA_SEL + 5], ~1
    mov ax, BASE_DATA_SEL
    mov fs, ax
    movzx eax, byte [gdt + BASE_DATA_SEL + 5]
    EXPECT eax, 0x93, "segment load sets the descriptor's accessed bit"

; ---- segment bases and limits ---------------------------------------------------------------
    mov dword [SCRATCH + 0x10], 0
    mov dword [fs:0x10], 0x13572468
    EXPECT dword [SCRATCH + 0x10], 0x13572468, "write through a based segment lands at base+offset"
    CLEAR_EXC
    mov eax, [fs:0xffc]
    EXPECT_NOEXC "dword at the last valid offset"
    SET_RESUME .l1_done
.l1:
    mov eax, [fs:0xffd]
.l1_done:
    TCG_KNOWN
    EXPECT_EXC 13, 0, .l1, "dword straddling the limit: #GP(0)"
    SET_RESUME .l2_done
.l2:
    mov byte [fs:0x1000], 1
.l2_done:
    TCG_KNOWN
    EXPECT_EXC 13, 0, .l2, "byte just past the limit: #GP(0)"
    ; expand-down: valid offsets are limit+1 .. 0xffffffff
    mov ax, EXPDN_SEL
    mov gs, ax
    CLEAR_EXC
    mov dword [gs:0x300000], 0x2468ace0
    EXPECT_NOEXC "expand-down: offset above the limit is valid"
    EXPECT dword [0x300000], 0x2468ace0, "expand-down: base 0 addressing"
    SET_RESUME .e1_done
.e1:
    mov eax, [gs:0x100000]
.e1_done:
    TCG_KNOWN
    EXPECT_EXC 13, 0, .e1, "expand-down: offset below the limit: #GP(0)"
    ; an expand-down stack segment: the exception frame must fit, so the
    ; faulting access is SS-relative through EBP while ESP stays valid
    mov ax, EXPDN_SEL
    mov dx, ss
    mov ebx, esp
    mov ss, ax
    mov esp, 0x300000
    CLEAR_EXC
    push dword 0x1234
    pop ecx
    mov ebp, 0x1ffffe               ; dword at 1ffffe straddles the limit
    SET_RESUME .s1_done
.s1:
    mov eax, [ebp]
.s1_done:
    mov ss, dx
    mov esp, ebx
    EXPECT ecx, 0x1234, "push/pop on an expand-down stack"
    TCG_KNOWN
    EXPECT_EXC 12, 0, .s1, "SS access below an expand-down stack's limit: #SS(0)"

; ---- LDT --------------------------------------------------------------------------------------
    xor ax, ax
    lldt ax
    mov ax, LDT_DATA_SEL
    SET_RESUME .t0_done
.t0:
    mov fs, ax
.t0_done:
    EXPECT_EXC 13, LDT_DATA_SEL, .t0, "LDT selector with a null LDTR: #GP(sel)"
    mov ax, KDATA_SEL
    SET_RESUME .t1_done
.t1:
    lldt ax
.t1_done:
    EXPECT_EXC 13, KDATA_SEL, .t1, "lldt of a non-LDT descriptor: #GP(sel)"
    mov ax, LDT_SEL
    lldt ax
    sldt bx
    movzx ebx, bx
    EXPECT ebx, LDT_SEL, "sldt reads back the LDT selector"
    mov ax, LDT_DATA_SEL
    mov fs, ax
    mov dword [fs:0x20], 0xfeedface
    EXPECT dword [LDT_BASE + 0x20], 0xfeedface, "LDT data segment addresses its base"
    mov ax, LDT_NP_SEL
    SET_RESUME .t2_done
.t2:
    mov fs, ax
.t2_done:
    EXPECT_EXC 11, LDT_NP_SEL, .t2, "not-present LDT segment: #NP(sel) with TI"
    mov ax, 0x1c
    SET_RESUME .t3_done
.t3:
    mov fs, ax
.t3_done:
    EXPECT_EXC 13, 0x1c, .t3, "selector past the LDT limit: #GP(sel) with TI"

; ---- LAR/LSL/VERR/VERW ---------------------------------------------------------------------------
    mov ax, BASE_DATA_SEL
    lsl ecx, ax
    CHECK z, "lsl of a data segment: ZF"
    EXPECT ecx, 0xfff, "lsl byte-granular limit"
    mov ax, RO_DATA_SEL
    lsl ecx, ax
    EXPECT ecx, 0x12345fff, "lsl page-granular limit is scaled"
    lar ecx, ax
    and ecx, 0x00f0ff00
    EXPECT ecx, 0x00c09000, "lar access rights (never loaded: A=0)"
    mov ax, 0x200
    lar ecx, ax
    CHECK nz, "lar of a selector past the GDT limit: ZF=0"
    mov ax, XO_CODE_SEL
    verr ax
    CHECK nz, "verr execute-only code: not readable"
    mov ax, KCODE_SEL
    verr ax
    CHECK z, "verr readable code"
    verw ax
    CHECK nz, "verw code: not writable"
    mov ax, RO_DATA_SEL
    verw ax
    CHECK nz, "verw read-only data"
    mov ax, KDATA_SEL
    verw ax
    CHECK z, "verw writable data"
    mov ax, LDT_DATA_SEL
    verw ax
    CHECK z, "verw through the LDT"

    mov ax, KDATA_SEL
    mov fs, ax
    mov gs, ax
    FINISH

far_callee:
    mov eax, 0x600d
    retf

BITS 16
code16_entry:
    xor eax, eax
    dec ax
    o32 retf
BITS 32

    align 4
saved_esp: dd 0
far_ptr:
    dd test_main.fj2
    dw KCODE_SEL
    dw 0x5aa5
    align 8
ldt_table: times 3 dq 0

TEST_END
