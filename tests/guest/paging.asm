; paging - 32-bit 2-level paging with 4 KiB and 4 MiB (PSE) pages, PAE
; paging with 2 MiB pages, accessed/dirty bits, #PF error codes (P, W/R,
; U/S, RSVD) and CR2, INVLPG, CR0.WP and global pages with CR4.PGE.
%include "lib/pm.inc"

PD      equ SCRATCH                 ; 32-bit page directory
PT0     equ SCRATCH + 0x1000        ; maps 0..4 MiB with 4 KiB pages
PDPT    equ SCRATCH + 0x2000        ; PAE
PAE_PD  equ SCRATCH + 0x3000
PAE_PT  equ SCRATCH + 0x4000        ; PAE: 0..2 MiB with 4 KiB pages
PHYS_A  equ 0x300000                ; physical pages used by the tests
PHYS_B  equ 0x301000
PHYS_C  equ 0x302000
PHYS_D  equ 0x303000
LIN_ALIAS equ 0x3ff000              ; -> PHYS_A
LIN_NP    equ 0x3fe000              ; not present
LIN_RO    equ 0x3fd000              ; -> PHYS_B, read-only, user
LIN_SUP   equ 0x3fc000              ; -> PHYS_C, supervisor only
LIN_GLOB  equ 0x3fb000              ; -> PHYS_D, global
LIN_RSVD  equ 0x1ff000              ; PAE: reserved bit set
%define PTE(x) (PT0 + ((x) >> 12) * 4)

; USER_TOUCH addr, user_read|user_write -- ring 3 touches addr (esi) and then
; executes UD2; either way the exception lands back here via SET_ABORT.
%macro USER_TOUCH 2
    SET_ABORT %%back
    mov esi, %1
    mov ax, UDATA_SEL | 3
    mov ds, ax
    mov es, ax
    push dword UDATA_SEL | 3
    push dword USTACK_TOP
    push dword 2
    push dword UCODE_SEL | 3
    push dword %2
    iret
%%back:
%endmacro

TEST_BEGIN "paging"
test_main:
    ; page tables
    mov edi, PT0
    mov eax, 7
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PTE(LIN_NP)], 0
    mov dword [PTE(LIN_ALIAS)], PHYS_A | 7
    mov dword [PTE(LIN_RO)], PHYS_B | 5
    mov dword [PTE(LIN_SUP)], PHYS_C | 3
    mov dword [PTE(LIN_GLOB)], PHYS_D | 0x107
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [PD + 0], PT0 | 7
    mov dword [PD + 4], 0x400000 | 0x87     ; 4 MiB identity
    mov dword [PD + 8], 0x400000 | 0x87     ; 8 MiB -> 4 MiB
    mov dword [PHYS_A], 0x11111111
    mov dword [PHYS_B], 0x22222222
    mov dword [PHYS_C], 0x33333333
    mov dword [PHYS_D], 0x44444444
    mov dword [0x400010], 0x55555555

    mov eax, cr4
    or eax, 0x10                            ; PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    and eax, ~0x10000                       ; WP off for now
    mov cr0, eax
    jmp .paged
.paged:
    mov eax, cr0
    test eax, eax
    CHECK s, "paging enabled, still running (identity map)"
    EXPECT dword [LIN_ALIAS], 0x11111111, "4 KiB alias reads the other page"
    mov dword [LIN_ALIAS + 4], 0xa5a5a5a5
    EXPECT dword [PHYS_A + 4], 0xa5a5a5a5, "write through the alias reaches the page"
    EXPECT dword [0x800010], 0x55555555, "4 MiB PSE page maps 8 MiB -> 4 MiB"

; ---- accessed and dirty bits ---------------------------------------------------------
    and dword [PTE(LIN_ALIAS)], ~0x60
    and dword [PD + 8], ~0x60
    invlpg [LIN_ALIAS]
    invlpg [0x800000]
    mov eax, [LIN_ALIAS]
    mov eax, [PTE(LIN_ALIAS)]
    and eax, 0x60
    EXPECT eax, 0x20, "read sets A, not D, in the PTE"
    mov dword [LIN_ALIAS], 0x11111111
    mov eax, [PTE(LIN_ALIAS)]
    and eax, 0x60
    EXPECT eax, 0x60, "write sets D in the PTE"
    test dword [PD + 0], 0x20
    CHECK nz, "walk sets A in the PDE"
    mov eax, [0x800020]
    mov eax, [PD + 8]
    and eax, 0x60
    EXPECT eax, 0x20, "read sets A in a 4 MiB PDE"
    mov dword [0x800020], 1
    mov eax, [PD + 8]
    and eax, 0x60
    EXPECT eax, 0x60, "write sets D in a 4 MiB PDE"

; ---- #PF error codes and CR2 --------------------------------------------------------------
    SET_RESUME .pf1_done
.pf1:
    mov eax, [LIN_NP + 0x123]
.pf1_done:
    EXPECT_EXC 14, 0, .pf1, "read of a not-present page: #PF(0)"
    EXPECT dword [exc_cr2], LIN_NP + 0x123, "CR2 = faulting linear address (read)"
    SET_RESUME .pf2_done
.pf2:
    mov byte [LIN_NP + 0xabc], 1
.pf2_done:
    EXPECT_EXC 14, 2, .pf2, "write to a not-present page: #PF(W)"
    EXPECT dword [exc_cr2], LIN_NP + 0xabc, "CR2 = faulting linear address (write)"
    CLEAR_EXC
    mov dword [LIN_RO], 0x22222223
    EXPECT_NOEXC "CR0.WP=0: supervisor write to a read-only page succeeds"
    EXPECT dword [PHYS_B], 0x22222223, "... and lands in memory"
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    SET_RESUME .pf3_done
.pf3:
    mov dword [LIN_RO], 0
.pf3_done:
    EXPECT_EXC 14, 3, .pf3, "CR0.WP=1: supervisor write to read-only: #PF(P|W)"
    EXPECT dword [PHYS_B], 0x22222223, "... and memory is unchanged"
    ; user-mode accesses
    USER_TOUCH LIN_SUP, user_read
    EXPECT_EXC 14, 5, user_read, "ring 3 read of a supervisor page: #PF(P|U)"
    EXPECT dword [exc_cr2], LIN_SUP, "CR2 for the ring-3 fault"
    USER_TOUCH LIN_RO, user_write
    EXPECT_EXC 14, 7, user_write, "ring 3 write to a read-only page: #PF(P|W|U)"
    USER_TOUCH LIN_NP, user_read
    EXPECT_EXC 14, 4, user_read, "ring 3 read of a not-present page: #PF(U)"
    USER_TOUCH LIN_RO, user_read
    EXPECT_EXC 6, 0, user_read.done, "ring 3 read of a user read-only page works"
    EXPECT dword [user_value], 0x22222223, "ring 3 read the right value"

; ---- INVLPG -------------------------------------------------------------------------
    mov eax, [LIN_ALIAS]
    mov dword [PTE(LIN_ALIAS)], PHYS_C | 7
    invlpg [LIN_ALIAS]
    EXPECT dword [LIN_ALIAS], 0x33333333, "invlpg makes a changed PTE visible"
    mov dword [PTE(LIN_NP)], PHYS_B | 3
    invlpg [LIN_NP]
    EXPECT dword [LIN_NP], 0x22222223, "invlpg after making a page present"
    mov dword [PTE(LIN_NP)], 0
    invlpg [LIN_NP]
    SET_RESUME .pf4_done
.pf4:
    mov eax, [LIN_NP]
.pf4_done:
    EXPECT_EXC 14, 0, .pf4, "invlpg after making a page not present: #PF"

; ---- global pages ----------------------------------------------------------------------
    mov eax, cr4
    or eax, 0x80                            ; PGE
    mov cr4, eax
    mov eax, [LIN_GLOB]                     ; cache the global translation
    mov eax, [LIN_ALIAS]                    ; and a non-global one
    mov dword [PTE(LIN_GLOB)], PHYS_A | 0x107
    mov dword [PTE(LIN_ALIAS)], PHYS_A | 7
    mov eax, cr3
    mov cr3, eax
    EXPECT dword [LIN_ALIAS], 0x11111111, "CR3 reload flushes non-global translations"
    TCG_KNOWN
    EXPECT dword [LIN_GLOB], 0x44444444, "global translation survives a CR3 reload"
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    EXPECT dword [LIN_GLOB], 0x11111111, "clearing CR4.PGE flushes global translations"

; ---- PAE ------------------------------------------------------------------------------
    mov eax, cr0
    and eax, ~0x80000000
    mov cr0, eax
    mov edi, PDPT
    xor eax, eax
    mov ecx, (0x5000 - 0x2000) / 4
    rep stosd
    mov dword [PDPT], PAE_PD | 1
    mov dword [PAE_PD + 0], PAE_PT | 7
    mov dword [PAE_PD + 8], 0x200000 | 0x87
    mov dword [PAE_PD + 16], 0x400000 | 0x87
    mov dword [PAE_PD + 32], 0x400000 | 0x87    ; 8 MiB -> 4 MiB, 2 MiB page
    mov edi, PAE_PT
    mov eax, 7
    mov ecx, 512
.pae_fill:
    mov [edi], eax
    add eax, 0x1000
    add edi, 8
    loop .pae_fill
    mov dword [PAE_PT + (LIN_RSVD >> 12) * 8], PHYS_A | 7
    mov dword [PAE_PT + (LIN_RSVD >> 12) * 8 + 4], 1 << (51 - 32)
    mov eax, cr4
    or eax, 0x20                            ; PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .pae_on
.pae_on:
    mov eax, cr4
    test eax, 0x20
    CHECK nz, "PAE paging enabled, still running"
    EXPECT dword [0x800010], 0x55555555, "PAE 2 MiB page maps 8 MiB -> 4 MiB"
    and dword [PAE_PD + 32], ~0x60
    invlpg [0x800000]
    mov dword [0x800030], 7
    mov eax, [PAE_PD + 32]
    and eax, 0x60
    EXPECT eax, 0x60, "PAE: write sets A and D in a 2 MiB PDE"
    SET_RESUME .pf5_done
.pf5:
    mov eax, [LIN_RSVD + 8]
.pf5_done:
    TCG_KNOWN                       ; QEMU 7.2 reports 8: SDM 4.7 says RSVD implies P
    EXPECT_EXC 14, 9, .pf5, "PAE: reserved bit 51 in a PTE: #PF(P|RSVD)"
    EXPECT dword [exc_cr2], LIN_RSVD + 8, "CR2 for the RSVD fault"
    SET_RESUME .pf6_done
.pf6:
    mov eax, [0x40000000]
.pf6_done:
    EXPECT_EXC 14, 0, .pf6, "PAE: not-present PDPTE region: #PF(0)"

    mov eax, cr0
    and eax, ~0x80000000
    mov cr0, eax
    FINISH

; ring 3: esi = address; record the value read, then UD2 back to ring 0
user_read:
    mov eax, [esi]
    mov [user_value], eax
.done:
    ud2
user_write:
    mov dword [esi], 0
    ud2

    align 4
user_value: dd 0

TEST_END
