; strings - REP MOVS and REP STOS over whole runs, checked against the same
; copy done element by element with plain MOVs: page crossings, elements
; straddling a page, forward and backward overlap (the destination a few
; bytes ahead of the source repeats a pattern), DF=1, counts beyond one
; burst, two linear pages on one physical page, #PF in the middle of a run
; (read and write side, not present and read-only; registers tell the
; elements done, the run then resumes), a segment limit reached mid-way
; (#GP), and 16-bit addressing whose SI/DI wrap inside the run.
%include "lib/pm.inc"

PD      equ SCRATCH                 ; 32-bit page directory
PT0     equ SCRATCH + 0x1000        ; maps 0..4 MiB with 4 KiB pages
R1      equ 0x310000                ; 3 pages, the string instruction's
R2      equ 0x320000                ; 3 pages, the reference copy's
RLEN    equ 0x3000
NP      equ 0x318000                ; not present (while the test wants)
ALIAS   equ 0x31a000                ; -> physical 0x31b000
ALIASED equ 0x31b000
RO      equ 0x31d000                ; read-only
SEG16   equ 0x330000                ; base of the 16-bit-addressing segment
LIM_SEL equ GDT_FREE                ; flat data, limit 0x310fff
B16_SEL equ GDT_FREE + 8            ; data at SEG16, 4 GiB
B16B_SEL equ GDT_FREE + 16          ; data at SEG16 + 0x800, 4 GiB
%define PTE(x) (PT0 + ((x) >> 12) * 4)

; MOVS_CASE size, df, src_off, dst_off, count, "desc": rep movs on R1, the
; reference on R2, then both regions and the registers must agree.
%macro MOVS_CASE 6
    call fill_regions
    mov esi, R1 + %3
    mov edi, R1 + %4
    mov ecx, %5
%if %2
    std
%endif
%if %1 == 1
    rep movsb
%elif %1 == 2
    rep movsw
%else
    rep movsd
%endif
    cld
    call save_regs
    mov esi, R2 + %3
    mov edi, R2 + %4
    mov ecx, %5
    mov edx, %1
    mov ebx, (1 - 2 * %2) * %1
    call ref_movs
    call cmp_all
    EXPECT eax, 0, %6
%endmacro

; STOS_CASE size, df, dst_off, count, value, "desc"
%macro STOS_CASE 6
    call fill_regions
    mov esi, R1                     ; untouched: cmp_all checks it stays
    mov edi, R1 + %3
    mov ecx, %4
    mov eax, %5
%if %2
    std
%endif
%if %1 == 1
    rep stosb
%elif %1 == 2
    rep stosw
%else
    rep stosd
%endif
    cld
    call save_regs
    mov esi, R2
    mov edi, R2 + %3
    mov ecx, %4
    mov eax, %5
    mov edx, %1
    mov ebx, (1 - 2 * %2) * %1
    call ref_stos
    call cmp_all
    EXPECT eax, 0, %6
%endmacro

TEST_BEGIN "strings"
test_main:
    mov edi, PT0
    mov eax, 7
    mov ecx, 1024
.fill:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    dec ecx
    jnz .fill
    mov dword [PTE(NP)], 0
    mov dword [PTE(ALIAS)], ALIASED | 7
    mov dword [PTE(RO)], RO | 5
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
.clr:
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .clr
    mov dword [PD], PT0 | 7
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000              ; PG, WP: ring 0 honours read-only
    mov cr0, eax
    jmp .paged
.paged:
    mov esi, gdt_extra
    mov edi, gdt + GDT_FREE
    mov ecx, 24
.cpgdt:
    mov al, [esi]
    mov [edi], al
    inc esi
    inc edi
    dec ecx
    jnz .cpgdt

; ---- runs compared with the element-by-element reference ----------------------
    MOVS_CASE 1, 0, 0x100, 0x1200, 0x80, "movsb, separate pages"
    MOVS_CASE 1, 0, 0xfc0, 0x1ff0, 0x1000, "movsb crossing pages on both sides"
    MOVS_CASE 4, 0, 0xffe, 0x1ffd, 3, "movsd, elements straddling pages"
    MOVS_CASE 4, 0, 0x10, 0x1800, 0x500, "movsd, 5 KiB"
    MOVS_CASE 1, 0, 0x10, 0x1800, 0x1400, "movsb beyond one burst"
    MOVS_CASE 1, 0, 0x800, 0x801, 0x900, "movsb, destination 1 ahead (fill)"
    MOVS_CASE 1, 0, 0xf00, 0xf03, 0x300, "movsb, destination 3 ahead, page cross"
    MOVS_CASE 4, 0, 0x400, 0x406, 0x400, "movsd, destination 6 ahead"
    MOVS_CASE 4, 0, 0x400, 0x402, 0x40, "movsd, destination 2 ahead"
    MOVS_CASE 2, 0, 0x0, 0x1001, 0xfff, "movsw, destination 4097 ahead"
    MOVS_CASE 4, 0, 0x409, 0x400, 0x400, "movsd, destination behind (memmove)"
    MOVS_CASE 2, 0, 0x700, 0x700, 0x300, "movsw onto itself"
    MOVS_CASE 1, 1, 0x1100, 0x2200, 0x900, "movsb DF=1 crossing pages"
    MOVS_CASE 4, 1, 0x2ff2, 0x1ffd, 0x600, "movsd DF=1 straddling pages, destination below"
    MOVS_CASE 1, 1, 0x900, 0x8ff, 0x700, "movsb DF=1, destination 1 below"
    MOVS_CASE 4, 1, 0x905, 0x900, 0x100, "movsd DF=1, destination 5 below"
    MOVS_CASE 2, 1, 0x900, 0x905, 0x100, "movsw DF=1, destination above"
    MOVS_CASE 4, 0, 0x123, 0x2345, 0, "movsd with count 0"
    STOS_CASE 1, 0, 0x123, 0x2345, 0x5a, "stosb crossing pages"
    STOS_CASE 2, 0, 0xfff, 0x801, 0xa55a, "stosw straddling a page"
    STOS_CASE 4, 0, 0xffd, 0x603, 0x12345678, "stosd, mixed bytes"
    STOS_CASE 4, 0, 0x40, 0x200, 0, "stosd zero"
    STOS_CASE 4, 1, 0x2ff0, 0xa00, 0x87654321, "stosd DF=1 crossing pages"
    STOS_CASE 1, 1, 0x1005, 0x1003, 0xee, "stosb DF=1"

; ---- one physical page under two linear pages ----------------------------------
    mov edi, ALIASED
    mov ecx, 0x1000
    xor eax, eax
.afill:
    mov [edi], al
    add al, 7
    inc edi
    dec ecx
    jnz .afill
    mov esi, ALIASED + 0x10
    mov edi, ALIAS + 0x11           ; physically one byte ahead of the source
    mov ecx, 0x100
    rep movsb
    mov eax, [ALIASED + 0x10]       ; source byte 0x10 * 7 = 0x70, repeated
    EXPECT eax, 0x70707070, "aliased destination 1 ahead repeats the first byte"
    mov eax, [ALIASED + 0x10c]
    EXPECT eax, 0x70707070, "... to the end of the run"
    movzx eax, byte [ALIASED + 0x111]
    EXPECT eax, 0x77, "... and not beyond it"

; ---- #PF in the middle of a run -------------------------------------------------
    ; read side, DF=1: 0x31a003 (alias page) .. 0x319000 ok, 0x318fff not present
    mov esi, NP + 0x2003
    mov edi, R1 + 0x800
    mov ecx, 0x1010
    std
    SET_RESUME .pf1_done
.pf1:
    rep movsb
.pf1_done:
    cld
    EXPECT_EXC 14, 0, .pf1, "movsb DF=1 reading a not-present page: #PF(0) at the insn"
    EXPECT dword [exc_cr2], NP + 0xfff, "CR2 = first byte not done"
    EXPECT esi, NP + 0xfff, "ESI at the faulting element"
    EXPECT edi, R1 + 0x800 - 0x1004, "EDI after 0x1004 elements"
    EXPECT ecx, 0xc, "ECX counts the elements left"

    ; write side: two elements fit before the not-present page
    call fill_regions
    mov esi, R1 + 0x100
    mov edi, NP - 8
    mov ecx, 10
    SET_RESUME .pf2_done
.pf2:
    rep movsd
.pf2_done:
    EXPECT_EXC 14, 2, .pf2, "movsd writing a not-present page: #PF(W)"
    EXPECT dword [exc_cr2], NP, "CR2 = the page"
    EXPECT esi, R1 + 0x108, "ESI after 2 elements"
    EXPECT edi, NP, "EDI after 2 elements"
    EXPECT ecx, 8, "ECX = 8 left"
    mov eax, [R1 + 0x104]
    EXPECT dword [NP - 4], eax, "the elements before the fault were stored"
    ; map the page and let the same run finish from where it stopped
    mov dword [PTE(NP)], NP | 7
    invlpg [NP]
    rep movsd
    mov eax, [R1 + 0x124]
    EXPECT dword [NP + 0x1c], eax, "resumed run copies the rest"
    EXPECT ecx, 0, "and counts down to 0"
    mov dword [PTE(NP)], 0
    invlpg [NP]

    ; read-only page (present: a TLB read entry, no write entry)
    mov eax, [RO]
    mov edi, RO - 8
    mov ecx, 4
    mov eax, 0x01020304
    SET_RESUME .pf3_done
.pf3:
    rep stosd
.pf3_done:
    EXPECT_EXC 14, 3, .pf3, "stosd into a read-only page: #PF(P|W)"
    EXPECT edi, RO, "EDI after 2 elements"
    EXPECT ecx, 2, "ECX = 2 left"
    EXPECT dword [RO - 4], 0x01020304, "the stored elements are there"

; ---- a segment limit reached mid-way ---------------------------------------------
    mov ax, LIM_SEL
    mov es, ax
    mov edi, 0x310ff8
    mov ecx, 4
    xor eax, eax
    SET_RESUME .gp_done
.gp:
    rep stosd
.gp_done:
    mov dx, KDATA_SEL
    mov es, dx
    TCG_KNOWN                       ; QEMU's TCG checks no data segment limits
    EXPECT_EXC 13, 0, .gp, "stosd past ES.limit: #GP(0)"
    TCG_KNOWN
    EXPECT edi, 0x311000, "EDI at the element beyond the limit"
    TCG_KNOWN
    EXPECT ecx, 2, "ECX = 2 left before the limit"
    CLEAR_EXC

; ---- 16-bit addressing wraps SI/DI within the run ---------------------------------
    mov edi, SEG16
    mov ecx, 0x10000
    xor eax, eax
.sfill:
    mov [edi], al
    add al, 13
    inc edi
    dec ecx
    jnz .sfill
    mov ax, B16_SEL
    mov ds, ax
    mov es, ax
    mov esi, 0x1234fff0
    mov edi, 0x56788000
    mov ecx, 0xabcd0020
    a16 rep movsb
    mov dx, KDATA_SEL
    mov ds, dx
    mov es, dx
    EXPECT esi, 0x12340010, "a16 movsb: SI wrapped, upper ESI kept"
    EXPECT edi, 0x56788020, "a16 movsb: DI"
    EXPECT ecx, 0xabcd0000, "a16 movsb: CX counted, upper ECX kept"
    movzx eax, byte [SEG16 + 0xfff0]
    movzx ebx, byte [SEG16 + 0x8000]
    EXPECT ebx, eax, "a16 movsb: first byte from SI=fff0"
    movzx eax, byte [SEG16 + 0x000f]
    movzx ebx, byte [SEG16 + 0x801f]
    EXPECT ebx, eax, "a16 movsb: last byte from SI=000f after the wrap"
    mov ax, B16_SEL
    mov es, ax
    mov edi, 0xfffc
    mov ecx, 4
    mov eax, 0xbeef
    a16 rep stosw
    mov dx, KDATA_SEL
    mov es, dx
    EXPECT edi, 4, "a16 stosw: DI wrapped"
    movzx eax, word [SEG16 + 2]
    EXPECT eax, 0xbeef, "a16 stosw: stored at offset 2 after the wrap"
    movzx eax, word [SEG16 + 0xfffe]
    EXPECT eax, 0xbeef, "a16 stosw: and at fffe before it"
    ; a base off a page boundary: the wraps fall inside a page
    mov byte [SEG16 + 0x800 + 0x10000], 0x5a
    mov byte [SEG16 + 0x800 + 0x10001], 0x5a
    mov ax, B16B_SEL
    mov es, ax
    mov edi, 0xfffe
    mov ecx, 4
    mov al, 0x66
    a16 rep stosb
    mov edi, 2
    mov ecx, 6
    mov al, 0x77
    std
    a16 rep stosb
    cld
    mov dx, KDATA_SEL
    mov es, dx
    EXPECT edi, 0xfffc, "a16 stosb DF=1: DI wrapped below 0"
    movzx eax, byte [SEG16 + 0x800 + 0xfffd]
    EXPECT eax, 0x77, "a16 stosb DF=1: stored at fffd after the wrap"
    movzx eax, word [SEG16 + 0x800 + 0x10000]
    EXPECT eax, 0x5a5a, "a16 stosb: nothing beyond offset ffff"
    movzx eax, word [SEG16 + 0x800 + 0]
    EXPECT eax, 0x7777, "a16 stosb: offsets 0 and 1 (forward, then DF=1)"
    movzx eax, byte [SEG16 + 0x7ff]
    mov ebx, 0x7ff * 13
    and ebx, 0xff
    EXPECT eax, ebx, "a16 stosb DF=1: nothing below the base"
    FINISH

; Both regions get the same pattern, not periodic within a page.
fill_regions:
    pushad
    xor ecx, ecx
.l:
    mov eax, ecx
    imul eax, eax, 0x9d
    mov edx, ecx
    shr edx, 8
    add eax, edx
    mov [R1 + ecx], al
    mov [R2 + ecx], al
    inc ecx
    cmp ecx, RLEN
    jb .l
    popad
    ret

save_regs:
    mov [got_esi], esi
    mov [got_edi], edi
    mov [got_ecx], ecx
    ret

; ref_movs: esi, edi, ecx count, edx size, ebx step; plain moves.
ref_movs:
    test ecx, ecx
    jz .done
.l:
    cmp edx, 1
    je .b
    cmp edx, 2
    je .w
    mov eax, [esi]
    mov [edi], eax
    jmp .next
.w:
    mov ax, [esi]
    mov [edi], ax
    jmp .next
.b:
    mov al, [esi]
    mov [edi], al
.next:
    add esi, ebx
    add edi, ebx
    dec ecx
    jnz .l
.done:
    ret

; ref_stos: edi, ecx count, eax value, edx size, ebx step.
ref_stos:
    test ecx, ecx
    jz .done
.l:
    cmp edx, 1
    je .b
    cmp edx, 2
    je .w
    mov [edi], eax
    jmp .next
.w:
    mov [edi], ax
    jmp .next
.b:
    mov [edi], al
.next:
    add edi, ebx
    dec ecx
    jnz .l
.done:
    ret

; After the reference: eax = 0 when R1 equals R2 and the saved registers
; equal the reference's (ESI/EDI moved from R2 to R1); else bit 0 for the
; memory, bit 1 ESI, bit 2 EDI, bit 3 ECX.
cmp_all:
    push ebx
    push edx
    xor eax, eax
    sub esi, R2 - R1
    cmp esi, [got_esi]
    je .esi_ok
    or eax, 2
.esi_ok:
    sub edi, R2 - R1
    cmp edi, [got_edi]
    je .edi_ok
    or eax, 4
.edi_ok:
    cmp ecx, [got_ecx]
    je .ecx_ok
    or eax, 8
.ecx_ok:
    xor ecx, ecx
.l:
    mov dl, [R1 + ecx]
    cmp dl, [R2 + ecx]
    je .same
    or eax, 1
.same:
    inc ecx
    cmp ecx, RLEN
    jb .l
    pop edx
    pop ebx
    ret

    align 8
gdt_extra:
    DESC 0, 0x00310, 0x92, 0xc      ; LIM_SEL: limit 0x310fff
    DESC SEG16, 0xfffff, 0x92, 0xc  ; B16_SEL
    DESC SEG16 + 0x800, 0xfffff, 0x92, 0xc ; B16B_SEL
got_esi: dd 0
got_edi: dd 0
got_ecx: dd 0
TEST_END
