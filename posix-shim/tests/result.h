/* Shared by the C tests (included, not a test itself): one line per call, `what` padded to
 * RESULT_WIDTH (each test defines it), then the value, or -1 and errno's message. With
 * RESULT_OK defined, a success prints "ok" instead of the value. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void result(const char *what, long value) {
    if (value < 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, strerror(errno));
    } else {
#ifdef RESULT_OK
        printf("%-*s ok\n", RESULT_WIDTH, what);
#else
        printf("%-*s %ld\n", RESULT_WIDTH, what, value);
#endif
    }
}
