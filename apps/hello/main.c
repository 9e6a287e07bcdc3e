/* hello: the smallest C program, and the measure of what a C program carries on uxrt
 * (musl and posix-shim, statically linked): `cargo xtask test` prints its size. */
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    return 0;
}
