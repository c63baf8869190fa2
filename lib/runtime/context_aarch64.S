// conc::rt context switch for AArch64 (AAPCS64). Offsets: context_offsets.h, checked in
// context.h. Saved: x19-x28, fp, lr, sp, d8-d15. Not saved on purpose (see context.h): the
// caller-saved registers, FPCR/FPSR, the signal mask, TPIDR_EL0 (the thread pointer).
// Not exercised on this project's x86-64 machines; built only on aarch64.
#include "runtime/context_offsets.h"

        .text

// void conc_rt_context_switch(Context* from /* x0 */, Context* to /* x1 */)
        .globl  conc_rt_context_switch
        .hidden conc_rt_context_switch
        .type   conc_rt_context_switch, %function
        .p2align 4
conc_rt_context_switch:
        stp     x19, x20, [x0, #CONC_CTX_X19]
        stp     x21, x22, [x0, #CONC_CTX_X21]
        stp     x23, x24, [x0, #CONC_CTX_X23]
        stp     x25, x26, [x0, #CONC_CTX_X25]
        stp     x27, x28, [x0, #CONC_CTX_X27]
        stp     x29, x30, [x0, #CONC_CTX_X29]
        mov     x9, sp
        str     x9, [x0, #CONC_CTX_SP]
        stp     d8, d9, [x0, #CONC_CTX_D8]
        stp     d10, d11, [x0, #CONC_CTX_D10]
        stp     d12, d13, [x0, #CONC_CTX_D12]
        stp     d14, d15, [x0, #CONC_CTX_D14]
        ldp     x19, x20, [x1, #CONC_CTX_X19]
        ldp     x21, x22, [x1, #CONC_CTX_X21]
        ldp     x23, x24, [x1, #CONC_CTX_X23]
        ldp     x25, x26, [x1, #CONC_CTX_X25]
        ldp     x27, x28, [x1, #CONC_CTX_X27]
        ldp     x29, x30, [x1, #CONC_CTX_X29]
        ldr     x9, [x1, #CONC_CTX_SP]
        mov     sp, x9
        ldp     d8, d9, [x1, #CONC_CTX_D8]
        ldp     d10, d11, [x1, #CONC_CTX_D10]
        ldp     d12, d13, [x1, #CONC_CTX_D12]
        ldp     d14, d15, [x1, #CONC_CTX_D14]
        ret                                     // to x30 of the resumed context
        .size   conc_rt_context_switch, .-conc_rt_context_switch

// First instruction of every new context: x19 = arg, x20 = entry (set by context_init).
        .globl  conc_rt_context_trampoline
        .hidden conc_rt_context_trampoline
        .type   conc_rt_context_trampoline, %function
        .p2align 4
conc_rt_context_trampoline:
        mov     x29, xzr
        mov     x30, xzr
        mov     x0, x19
        blr     x20
        brk     #0                              // entry never returns
        .size   conc_rt_context_trampoline, .-conc_rt_context_trampoline

        .section .note.GNU-stack,"",%progbits
