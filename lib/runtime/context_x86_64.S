// conc::rt context switch for x86-64 (System V). Offsets: context_offsets.h, checked in
// context.h. Not saved on purpose (see context.h): caller-saved registers, the signal mask,
// MXCSR and the x87 control word, FS/GS.
#include "runtime/context_offsets.h"

        .text

// void conc_rt_context_switch(Context* from /* rdi */, Context* to /* rsi */)
        .globl  conc_rt_context_switch
        .hidden conc_rt_context_switch
        .type   conc_rt_context_switch, @function
        .p2align 4
conc_rt_context_switch:
        .cfi_startproc
        movq    (%rsp), %rax                    // where the caller resumes
        leaq    8(%rsp), %rdx                   // the caller's rsp after `ret`
        movq    %rbx, CONC_CTX_RBX(%rdi)
        movq    %rbp, CONC_CTX_RBP(%rdi)
        movq    %r12, CONC_CTX_R12(%rdi)
        movq    %r13, CONC_CTX_R13(%rdi)
        movq    %r14, CONC_CTX_R14(%rdi)
        movq    %r15, CONC_CTX_R15(%rdi)
        movq    %rdx, CONC_CTX_RSP(%rdi)
        movq    %rax, CONC_CTX_RIP(%rdi)
        movq    CONC_CTX_RBX(%rsi), %rbx
        movq    CONC_CTX_RBP(%rsi), %rbp
        movq    CONC_CTX_R12(%rsi), %r12
        movq    CONC_CTX_R13(%rsi), %r13
        movq    CONC_CTX_R14(%rsi), %r14
        movq    CONC_CTX_R15(%rsi), %r15
        movq    CONC_CTX_RSP(%rsi), %rsp
        jmpq    *CONC_CTX_RIP(%rsi)             // as if that context's call had returned
        .cfi_endproc
        .size   conc_rt_context_switch, .-conc_rt_context_switch

// First instruction of every new context: r12 = arg, r13 = entry (set by context_init).
// rsp is 16-byte aligned here, so after `call` the callee sees the ABI's rsp % 16 == 8.
        .globl  conc_rt_context_trampoline
        .hidden conc_rt_context_trampoline
        .type   conc_rt_context_trampoline, @function
        .p2align 4
conc_rt_context_trampoline:
        .cfi_startproc
        .cfi_undefined rip                      // unwinders and debuggers stop here
        xorl    %ebp, %ebp                      // end of the frame-pointer chain
        movq    %r12, %rdi
        callq   *%r13
        ud2                                     // entry never returns
        .cfi_endproc
        .size   conc_rt_context_trampoline, .-conc_rt_context_trampoline

        .section .note.GNU-stack,"",@progbits
