; faults - exception delivery in protected mode: vectors, error codes, the
; saved EIP of faults (the faulting instruction) and traps (the next one),
; restarting a fixed-up fault, and double faults through an interrupt gate
; and through a task gate.
%include "lib/pm.inc"

NP_DATA_SEL  equ GDT_FREE + 0x00    ; data, not present
XO_CODE_SEL  equ GDT_FREE + 0x08    ; execute-only code
RO_DATA_SEL  equ GDT_FREE + 0x10    ; read-only data
SMALL_SS_SEL equ GDT_FREE + 0x18    ; stack, limit 1FFFFFh
NP_CODE_SEL  equ GDT_FREE + 0x20    ; code, not present
DF_TSS_SEL   equ GDT_FREE + 0x28    ; TSS of the double-fault task
DF_STACK_TOP equ 0x1c0000

TEST_BEGIN "faults"
test_main:
    mov eax, NP_DATA_SEL
    xor ebx, ebx
    mov ecx, 0xfffff
    mov dx, 0xc012
    call set_desc
    mov eax, XO_CODE_SEL
    mov dl, 0x98
    call set_desc
    mov eax, RO_DATA_SEL
    mov dl, 0x90
    call set_desc
    mov eax, SMALL_SS_SEL
    mov ecx, 0x1ff
    mov dl, 0x92
    call set_desc
    mov eax, NP_CODE_SEL
    mov ecx, 0xfffff
    mov dl, 0x1a
    call set_desc

; ---- #UD -------------------------------------------------------------------------
    SET_RESUME .ud1_done
.ud1:
    ud2
.ud1_done:
    EXPECT_EXC 6, 0, .ud1, "ud2: #UD, EIP of the UD2"
    SET_RESUME .ud2_done
.ud2:
    db 0x8e, 0xc8                   ; mov cs, ax
.ud2_done:
    EXPECT_EXC 6, 0, .ud2, "mov cs, ax: #UD"
    SET_RESUME .ud3_done
.ud3:
    db 0xf0, 0x01, 0xd8             ; lock add eax, ebx
.ud3_done:
    EXPECT_EXC 6, 0, .ud3, "lock with a register destination: #UD"

; ---- #DE -------------------------------------------------------------------------
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
    SET_RESUME .de1_done
.de1:
    div ecx
.de1_done:
    EXPECT_EXC 0, 0, .de1, "div by 0: #DE at the DIV"
    mov eax, 0x80000000
    cdq
    mov ecx, -1
    SET_RESUME .de2_done
.de2:
    idiv ecx
.de2_done:
    EXPECT_EXC 0, 0, .de2, "idiv INT_MIN/-1: #DE"

; ---- traps: #BP, #OF, INT n ------------------------------------------------------
    SET_RESUME .bp1_next
    int3
.bp1_next:
    EXPECT_EXC 3, 0, .bp1_next, "int3: #BP, EIP after"
    SET_RESUME .bp2_next
    int 3
.bp2_next:
    EXPECT_EXC 3, 0, .bp2_next, "int 3 (CD 03): EIP after"
    mov al, 0x7f
    add al, 1
    SET_RESUME .of_next
    into
.of_next:
    EXPECT_EXC 4, 0, .of_next, "into with OF=1: #OF, EIP after"
    SET_RESUME .int_next
    int 0x41
.int_next:
    EXPECT_EXC 0x41, 0, .int_next, "int 41h: vector 41h, EIP after"

; ---- #GP with error codes --------------------------------------------------------
    mov ax, 0x100
    SET_RESUME .gp1_done
.gp1:
    mov ds, ax
.gp1_done:
    EXPECT_EXC 13, 0x100, .gp1, "selector past the GDT limit: #GP(sel)"
    mov ax, XO_CODE_SEL
    SET_RESUME .gp2_done
.gp2:
    mov es, ax
.gp2_done:
    EXPECT_EXC 13, XO_CODE_SEL, .gp2, "execute-only code into ES: #GP(sel)"
    xor ax, ax
    SET_RESUME .gp3_done
.gp3:
    mov ss, ax
.gp3_done:
    EXPECT_EXC 13, 0, .gp3, "null selector into SS: #GP(0)"
    mov ax, RO_DATA_SEL
    mov es, ax
    SET_RESUME .gp4_done
.gp4:
    mov dword [es:SCRATCH], 1
.gp4_done:
    mov ax, KDATA_SEL
    mov es, ax
    TCG_KNOWN
    EXPECT_EXC 13, 0, .gp4, "write to a read-only segment: #GP(0)"
    SET_RESUME .gp5_done
.gp5:
    jmp KDATA_SEL:.gp5_done
.gp5_done:
    EXPECT_EXC 13, KDATA_SEL, .gp5, "far jmp to a data segment: #GP(sel)"
    xor ax, ax
    mov fs, ax
    SET_RESUME .gp6_done
.gp6:
    mov eax, [fs:SCRATCH]
.gp6_done:
    TCG_KNOWN
    EXPECT_EXC 13, 0, .gp6, "access through null FS: #GP(0)"
; DS or ES reloaded in straight-line code: the accesses after it must check
; the new segment (blocks are keyed by whether DS, ES and SS are flat).  The
; address is used through the flat DS first, so the TLB has it.
    mov esi, 0x300000               ; past SMALL_SS_SEL's limit
    add [esi], eax
    mov ax, SMALL_SS_SEL
    SET_RESUME .gp7_done
    mov ds, ax
.gp7:
    mov eax, [esi]
.gp7_done:
    mov ax, KDATA_SEL
    mov ds, ax
    TCG_KNOWN
    EXPECT_EXC 13, 0, .gp7, "load past DS's limit right after mov ds: #GP(0)"
    add [esi], eax
    SET_RESUME .gp8_done
    push dword SMALL_SS_SEL
    pop es
.gp8:
    mov dword [es:esi], 1
.gp8_done:
    mov ax, KDATA_SEL
    mov es, ax
    TCG_KNOWN
    EXPECT_EXC 13, 0, .gp8, "store past ES's limit right after pop es: #GP(0)"
    add [esi], eax
    SET_RESUME .gp9_done
    lds ebx, [small_ptr]
.gp9:
    add [esi], eax
.gp9_done:
    mov ax, KDATA_SEL
    mov ds, ax
    TCG_KNOWN
    EXPECT_EXC 13, 0, .gp9, "access past DS's limit right after lds: #GP(0)"

; ---- #NP and #SS -------------------------------------------------------------------
    mov ax, NP_DATA_SEL
    SET_RESUME .np1_done
.np1:
    mov ds, ax
.np1_done:
    EXPECT_EXC 11, NP_DATA_SEL, .np1, "not-present data segment: #NP(sel)"
    mov ax, ds
    movzx eax, ax
    EXPECT eax, KDATA_SEL, "DS unchanged after the #NP"
    SET_RESUME .np2_done
.np2:
    jmp NP_CODE_SEL:.np2_done
.np2_done:
    EXPECT_EXC 11, NP_CODE_SEL, .np2, "far jmp to not-present code: #NP(sel)"
    mov ax, NP_DATA_SEL
    SET_RESUME .ss1_done
.ss1:
    mov ss, ax
.ss1_done:
    EXPECT_EXC 12, NP_DATA_SEL, .ss1, "not-present segment into SS: #SS(sel)"
    mov ax, SMALL_SS_SEL
    mov ss, ax
    mov ebp, 0x300000
    SET_RESUME .ss2_done
.ss2:
    mov eax, [ebp]
.ss2_done:
    TCG_KNOWN
    EXPECT_EXC 12, 0, .ss2, "SS-relative access past the limit: #SS(0)"
    mov ax, KDATA_SEL
    mov ss, ax

; ---- restartable fault: the handler fixes the cause and returns --------------------
    mov dword [exc_count], 0
    mov dword [exc_hook], present_hook
    mov ax, NP_DATA_SEL
.np3:
    mov es, ax
    mov dword [exc_hook], 0
    EXPECT dword [exc_count], 1, "restarted #NP: one exception"
    EXPECT dword [exc_eip], .np3, "restarted #NP: saved EIP = the MOV"
    mov ax, es
    movzx eax, ax
    EXPECT eax, NP_DATA_SEL, "restarted MOV ES completed"
    mov ax, KDATA_SEL
    mov es, ax

; ---- double fault through an interrupt gate -----------------------------------------
    and byte [idt + 13*8 + 5], 0x7f           ; #GP gate not present
    mov ax, 0x100
    SET_ABORT .df1_done
    mov ds, ax                                ; #GP -> #NP(gate) -> #DF
.df1_done:
    or byte [idt + 13*8 + 5], 0x80
    EXPECT_EXC 8, 0, -1, "#GP with a not-present #GP gate: #DF(0)"

; ---- double fault through a task gate -------------------------------------------------
    mov eax, DF_TSS_SEL
    mov ebx, df_tss
    mov ecx, 103
    mov dx, 0x0089
    call set_desc
    mov eax, cr3
    mov [df_tss + 0x1c], eax
    mov eax, 8
    mov cx, DF_TSS_SEL
    mov dx, 0x0085
    call set_gate
    and byte [idt + 13*8 + 5], 0x7f
    mov [saved_esp], esp
    mov ebx, 0x5a5a5a5a
    mov ax, 0x100
.df2:
    mov ds, ax                                ; -> task switch to df_task
    hlt                                       ; not reached
.df2_resume:
    mov esp, [saved_esp]
    str ax
    movzx eax, ax
    EXPECT eax, TSS_SEL, "iret from the #DF task returns to the old task"
    EXPECT ebx, 0x5a5a5a5a, "task switch preserved the old task's EBX"
    EXPECT dword [df_seen + 0], DF_TSS_SEL, "#DF task runs with TR = its TSS"
    EXPECT dword [df_seen + 4], TSS_SEL, "#DF task's back link = the old task"
    EXPECT dword [df_seen + 8], 0x4000, "#DF task runs with EFLAGS.NT"
    EXPECT dword [df_seen + 12], 0, "#DF error code 0 on the task's stack"
    EXPECT dword [df_seen + 16], .df2, "old task's saved EIP = the faulting MOV"

    FINISH

; exc_hook: mark the faulting selector's descriptor present, IRET to retry.
present_hook:
    mov eax, [ebp+FR_ERR]
    and eax, ~7
    or byte [gdt + eax + 5], 0x80
    mov eax, 1
    ret

; The double-fault task: record what it sees, point the old task past the
; fault, and IRET (a task return, NT=1).
df_task:
    str ax
    movzx eax, ax
    mov [df_seen + 0], eax
    movzx eax, word [df_tss]
    mov [df_seen + 4], eax
    pushfd
    pop eax
    and eax, 0x4000
    mov [df_seen + 8], eax
    pop eax
    mov [df_seen + 12], eax
    mov eax, [tss + 0x20]
    mov [df_seen + 16], eax
    mov dword [tss + 0x20], test_main.df2_resume
    or byte [idt + 13*8 + 5], 0x80
    iret
    jmp df_task

    align 4
saved_esp: dd 0
small_ptr: dd 0
    dw SMALL_SS_SEL
    align 4
df_seen: times 5 dd -1
    align 16
df_tss:
    dd 0                    ; back link
    dd 0, 0, 0, 0, 0, 0     ; esp0..ss2
    dd 0                    ; cr3 (set at run time)
    dd df_task              ; eip
    dd 2                    ; eflags
    dd 0, 0, 0, 0           ; eax ecx edx ebx
    dd DF_STACK_TOP         ; esp
    dd 0, 0, 0              ; ebp esi edi
    dd KDATA_SEL, KCODE_SEL, KDATA_SEL, KDATA_SEL, 0, 0   ; es cs ss ds fs gs
    dd 0                    ; ldt
    dw 0, 104               ; T, iomap base (none)

TEST_END
