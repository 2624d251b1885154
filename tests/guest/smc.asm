; smc - self-modifying code: patching the next instruction in the same
; block, code on another page rewritten and called again, a loop that
; patches its own immediate, string stores over code just ahead, and code
; rewritten through a second linear mapping of its physical page.
; (Modern x86 detects these stores without a serializing jump; SDM 8.1.3.)
%include "lib/pm.inc"

CODEBUF  equ SCRATCH + 0x3000       ; a code page of its own
PD       equ SCRATCH + 0x10000
PT0      equ SCRATCH + 0x11000
PT2      equ SCRATCH + 0x12000      ; maps 8 MiB..
ALIAS_PG equ SCRATCH + 0x5000       ; physical page with two mappings
ALIAS_LIN equ 0x800000              ; its second linear address

TEST_BEGIN "smc"
test_main:
; ---- the instruction right ahead, same block ---------------------------------------
    mov byte [.p1 + 1], 0x42
.p1:
    mov al, 0x11
    movzx eax, al
    EXPECT eax, 0x42, "patched imm8 of the next instruction"
    mov dword [.p2 + 1], 0xdeadbeef
.p2:
    mov ebx, 0x12345678
    EXPECT ebx, 0xdeadbeef, "patched imm32 of the next instruction"
    mov word [.p3], 0xc031          ; xor eax, eax -> replaces inc eax; nop
    mov eax, 5
.p3:
    inc eax
    nop
    EXPECT eax, 0, "replaced the opcode of the next instruction"
    ; twice through the same block: the second pass must see the new code
    xor ecx, ecx
    xor edx, edx
.p4_loop:
.p4:
    add edx, byte 0x01
    mov byte [.p4 + 2], 0x07
    inc ecx
    cmp ecx, 2
    jb .p4_loop
    mov byte [.p4 + 2], 0x01        ; restore for a rerun
    EXPECT edx, 8, "block re-executed after patching itself (1 then 7)"

; ---- string stores over code just ahead ------------------------------------------------
    mov edi, .p5
    mov ecx, 2
    mov al, 0x90
    rep stosb
.p5:
    ud2
    EXPECT_NOEXC "rep stosb turned the UD2 ahead into NOPs"
    mov word [.p5], 0x0b0f          ; put it back (not executed again)

; ---- code on another page -----------------------------------------------------------------
    mov byte [CODEBUF], 0xb8        ; mov eax, imm32
    mov dword [CODEBUF + 1], 0x1234
    mov byte [CODEBUF + 5], 0xc3    ; ret
    call CODEBUF
    EXPECT eax, 0x1234, "generated code on another page runs"
    mov dword [CODEBUF + 1], 0x5678
    call CODEBUF
    EXPECT eax, 0x5678, "rewritten immediate seen on the next call"
    mov esi, gen_add
    mov edi, CODEBUF
    mov ecx, gen_add_end - gen_add
    rep movsb
    mov eax, 10
    call CODEBUF
    EXPECT eax, 13, "code copied over with rep movsb replaces the old code"
    mov byte [CODEBUF + 2], 100     ; add eax, 100
    mov eax, 10
    call CODEBUF
    EXPECT eax, 110, "byte patch inside the copied code"

; ---- a loop that patches its own immediate ------------------------------------------------
    xor ebx, ebx
    mov ecx, 10
    mov dword [.imm + 2], 1
.self:
.imm:
    add ebx, strict dword 1
    inc dword [.imm + 2]
    loop .self
    EXPECT ebx, 55, "loop incrementing its own immediate: 1+..+10"

; ---- the same physical page through two linear addresses ------------------------------------
    mov edi, PT0
    mov eax, 3
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov edi, PT2
    mov ecx, 1024
    rep stosd
    mov dword [PD + 0], PT0 | 3
    mov dword [PD + 8], PT2 | 3
    mov dword [PT2], ALIAS_PG | 3
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    mov byte [ALIAS_PG], 0xb8
    mov dword [ALIAS_PG + 1], 0xaaaa
    mov byte [ALIAS_PG + 5], 0xc3
    call ALIAS_PG
    EXPECT eax, 0xaaaa, "code page runs at its identity address"
    mov dword [ALIAS_LIN + 1], 0xbbbb
    call ALIAS_PG
    EXPECT eax, 0xbbbb, "store through the alias changes the code at the other address"
    call ALIAS_LIN
    EXPECT eax, 0xbbbb, "the same code runs at the alias"
    mov dword [ALIAS_PG + 1], 0xcccc
    call ALIAS_LIN
    EXPECT eax, 0xcccc, "store through the identity address changes code run at the alias"
    mov eax, cr0
    and eax, ~0x80000000
    mov cr0, eax
    FINISH

gen_add:
    add eax, byte 3
    ret
gen_add_end:

TEST_END
